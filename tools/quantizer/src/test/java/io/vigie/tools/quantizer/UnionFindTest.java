package io.vigie.tools.quantizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The shared-parameter groups of the rewrite (step 2) are rooted at their smallest tensor index, whatever the order. */
class UnionFindTest {

    @Test
    void rootIsTheSmallestMemberWhateverTheUnionOrder() {
        UnionFind a = new UnionFind(8);
        a.union(7, 5);
        a.union(5, 3);
        a.union(6, 7);
        UnionFind b = new UnionFind(8);
        b.union(3, 6);
        b.union(6, 5);
        b.union(7, 3);
        for (int i : new int[] { 3, 5, 6, 7 }) {
            assertEquals(3, a.find(i), "a " + i);
            assertEquals(3, b.find(i), "b " + i);
        }
        for (int i : new int[] { 0, 1, 2, 4 }) {
            assertEquals(i, a.find(i), "singleton " + i);
        }
    }

    @Test
    void joiningTwoGroupsKeepsTheSmallerRoot() {
        UnionFind u = new UnionFind(6);
        u.union(4, 5);
        u.union(1, 2);
        u.union(5, 2);
        for (int i : new int[] { 1, 2, 4, 5 }) assertEquals(1, u.find(i));
        assertEquals(3, u.find(3));
        assertEquals(0, u.find(0));
    }
}

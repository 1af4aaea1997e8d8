package io.vigie.tools.quantizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The shared-parameter groups of the rewrite (step 2) are rooted at their smallest tensor index, whatever the order. */
class UnionFindTest {

    @Test
    void rootIsTheSmallestMemberWhateverTheUnionOrder() {
        UnionFind a = joined(8, new int[][] { { 7, 5 }, { 5, 3 }, { 6, 7 } });
        UnionFind b = joined(8, new int[][] { { 3, 6 }, { 6, 5 }, { 7, 3 } });
        for (int i : new int[] { 3, 5, 6, 7 }) {
            assertEquals(3, a.find(i), "a " + i);
            assertEquals(3, b.find(i), "b " + i);
        }
        for (int i : new int[] { 0, 1, 2, 4 }) assertEquals(i, a.find(i), "singleton " + i);
    }

    @Test
    void joiningTwoGroupsKeepsTheSmallerRoot() {
        UnionFind u = joined(6, new int[][] { { 4, 5 }, { 1, 2 }, { 5, 2 } });
        for (int i : new int[] { 1, 2, 4, 5 }) assertEquals(1, u.find(i));
        assertEquals(3, u.find(3));
        assertEquals(0, u.find(0));
    }

    private static UnionFind joined(int n, int[][] pairs) {
        UnionFind u = new UnionFind(n);
        for (int[] p : pairs) u.union(p[0], p[1]);
        return u;
    }
}

package io.vigie.tools.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CocoDatasetTest {
    @Test
    void personBoxesNormalisedCrowdAndOtherClassesLeftOut(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("b.jpg"), new byte[] { 1 });
        Files.write(dir.resolve("a.jpg"), new byte[] { 1 });
        Path json = Files.writeString(dir.resolve("instances.json"), """
                {"images":[{"id":7,"file_name":"b.jpg","width":200,"height":100},
                           {"id":3,"file_name":"a.jpg","width":640,"height":480}],
                 "annotations":[
                   {"image_id":7,"category_id":1,"bbox":[20,10,100,50],"iscrowd":0},
                   {"image_id":7,"category_id":1,"bbox":[0,0,200,100],"iscrowd":1},
                   {"image_id":7,"category_id":3,"bbox":[0,0,10,10],"iscrowd":0}],
                 "categories":[{"id":1,"name":"person"}]}
                """);
        List<YoloDataset.Item> items = CocoDataset.load(json, dir, 1);
        assertEquals(2, items.size());
        assertEquals("a.jpg", items.get(0).image().getFileName().toString(), "sorted by file name");
        assertTrue(items.get(0).boxes().isEmpty(), "an image without persons still counts (its detections are false positives)");
        assertEquals(List.of(new ApCalculator.Box(0.1, 0.1, 0.6, 0.6)), items.get(1).boxes());
    }

    @Test
    void missingImageOrNotCocoIsAnError(@TempDir Path dir) throws IOException {
        Path json = Files.writeString(dir.resolve("i.json"),
                "{\"images\":[{\"id\":1,\"file_name\":\"x.jpg\",\"width\":10,\"height\":10}],\"annotations\":[]}");
        assertTrue(assertThrows(IOException.class, () -> CocoDataset.load(json, dir, 1)).getMessage().contains("x.jpg"));
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"foo\":1}");
        assertThrows(IOException.class, () -> CocoDataset.load(bad, dir, 1));
    }
}

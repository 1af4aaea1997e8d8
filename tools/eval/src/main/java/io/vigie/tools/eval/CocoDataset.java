package io.vigie.tools.eval;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * A COCO instances json ({@code images}, {@code annotations} with {@code bbox = [x, y, w, h]} in
 * pixels) over an image folder, as the same items as {@link YoloDataset} (boxes normalised by the
 * image width/height in the json). Crowd annotations ({@code iscrowd = 1}) are left out (COCO
 * ignores detections on them; here such a detection counts as a false positive: slightly
 * conservative). Images listed in the json but missing from the folder are an error.
 */
public final class CocoDataset {
    private CocoDataset() {
    }

    public static List<YoloDataset.Item> load(Path json, Path images, int categoryId) throws IOException {
        JsonObject root;
        try (Reader r = Files.newBufferedReader(json)) {
            root = JsonParser.parseReader(r).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IOException("not a COCO json: " + json + ": " + e.getMessage());
        }
        if (!root.has("images") || !root.has("annotations"))
            throw new IOException("not a COCO instances json (no images/annotations): " + json);
        record Img(String file, double w, double h, List<ApCalculator.Box> boxes) {
        }
        Map<Long, Img> byId = new LinkedHashMap<>();
        for (JsonElement e : root.getAsJsonArray("images")) {
            JsonObject o = e.getAsJsonObject();
            byId.put(o.get("id").getAsLong(), new Img(o.get("file_name").getAsString(), o.get("width").getAsDouble(),
                    o.get("height").getAsDouble(), new ArrayList<>()));
        }
        for (JsonElement e : root.getAsJsonArray("annotations")) {
            JsonObject o = e.getAsJsonObject();
            if (o.get("category_id").getAsInt() != categoryId) continue;
            if (o.has("iscrowd") && o.get("iscrowd").getAsInt() == 1) continue;
            Img img = byId.get(o.get("image_id").getAsLong());
            if (img == null) throw new IOException("annotation for unknown image id " + o.get("image_id") + " in " + json);
            JsonArray b = o.getAsJsonArray("bbox");
            double x = b.get(0).getAsDouble(), y = b.get(1).getAsDouble(), w = b.get(2).getAsDouble(), h = b.get(3).getAsDouble();
            img.boxes().add(new ApCalculator.Box(x / img.w(), y / img.h(), (x + w) / img.w(), (y + h) / img.h()));
        }
        List<YoloDataset.Item> out = new ArrayList<>();
        for (Img img : byId.values()) {
            Path p = images.resolve(img.file());
            if (!Files.isRegularFile(p)) throw new IOException("image " + img.file() + " of " + json + " not found in " + images);
            out.add(new YoloDataset.Item(p, List.copyOf(img.boxes())));
        }
        out.sort(Comparator.comparing(i -> i.image().getFileName().toString()));
        return out;
    }
}

package io.vigie.tools.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A YOLO-label folder (coco128 layout): images/&lt;split&gt;/*.jpg with labels/&lt;split&gt;/&lt;name&gt;.txt,
 * one {@code cls cx cy w h} (normalised) per line. An image without a label file has no objects.
 */
public final class YoloDataset {
    public record Item(Path image, List<ApCalculator.Box> boxes) {
    }

    private YoloDataset() {
    }

    /** Resolves {@code split} as given, or with a "2017" suffix (coco128 ships train2017/val2017). */
    public static Path splitDir(Path root, String split) throws IOException {
        for (String s : new String[] { split, split + "2017" }) {
            Path p = root.resolve("images").resolve(s);
            if (Files.isDirectory(p)) return p;
        }
        throw new IOException("no images/" + split + " (or images/" + split + "2017) under " + root);
    }

    public static List<Item> load(Path root, String split, int classId) throws IOException {
        Path images = splitDir(root, split);
        Path labels = root.resolve("labels").resolve(images.getFileName());
        List<Path> files;
        try (Stream<Path> s = Files.list(images)) {
            files = s.filter(p -> p.getFileName().toString().toLowerCase().matches(".*\\.(jpg|jpeg|png)")).sorted().toList();
        }
        List<Item> out = new ArrayList<>();
        for (Path img : files) {
            String name = img.getFileName().toString();
            Path lbl = labels.resolve(name.substring(0, name.lastIndexOf('.')) + ".txt");
            out.add(new Item(img, Files.isRegularFile(lbl) ? parse(Files.readAllLines(lbl), classId) : List.of()));
        }
        return out;
    }

    static List<ApCalculator.Box> parse(List<String> lines, int classId) {
        List<ApCalculator.Box> b = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 5 || Integer.parseInt(f[0]) != classId) continue;
            double cx = Double.parseDouble(f[1]), cy = Double.parseDouble(f[2]);
            double w = Double.parseDouble(f[3]), h = Double.parseDouble(f[4]);
            b.add(new ApCalculator.Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2));
        }
        return b;
    }
}

package io.vigie.tools.eval;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.bytedeco.opencv.opencv_core.Mat;

import com.google.gson.JsonObject;

import io.vigie.api.inference.Detection;
import io.vigie.api.inference.EngineOptions;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;
import io.vigie.api.model.Precision;
import io.vigie.inference.core.TfliteEngine;
import io.vigie.tools.mlflow.RunLogger;

/**
 * Person AP of a TFLite detection model on a YOLO-label folder, with the engine's own
 * preprocessing (plain class path, no OSGi).
 *
 * <pre>
 * java -cp 'target/*:target/lib/*' io.vigie.tools.eval.EvalMain --model M.tflite --dataset DIR
 *      [--split val | --coco-json instances.json (then --dataset = the image folder) [--coco-category 1]]
 *      [--threshold 0.5] [--json out.json] [--threads 1] [--no-xnnpack]
 *      [--mean 128 --std 128] (float inputs) [--model-class 0] (model's person id) [--class 0] (dataset's)
 *      [--raw-ssd300 --labels FILE [--no-sigmoid]] (raw-output SSD: anchors generated, labels one per line,
 *      --model-class = the person column, e.g. 4 for MediaPipe's OIDv4 SSD)
 *      [--mlflow URI] (else MLFLOW_TRACKING_URI) [--mlflow-experiment vigie-eval] [--precision int8|fp32]
 * </pre>
 * The model must end in the TFLite post-process op (boxes, classes, scores, count).
 */
public final class EvalMain {
    /** Low enough to trace the whole precision/recall curve. */
    static final float AP_MIN_SCORE = 0.01f;

    /** Ground truth and the model-class detections (score >= {@link #AP_MIN_SCORE}) of every item, same order. */
    public record Detections(List<List<ApCalculator.Box>> gts, List<ApCalculator.Scored> dets, double inferMillis) {
        public double ap50() {
            return ApCalculator.averagePrecision(gts, dets, 0.5);
        }
    }

    /** Runs the model (the detector engine, its own preprocessing) on every item. */
    public static Detections detect(ModelIdentity id, byte[] model, ModelSpec spec, List<YoloDataset.Item> items, int modelClass,
            EngineOptions options) throws java.io.IOException, io.vigie.api.inference.ModelLoadException {
        List<List<ApCalculator.Box>> gts = new ArrayList<>();
        List<ApCalculator.Scored> dets = new ArrayList<>();
        double inferMs = 0;
        try (ObjectDetector d = new TfliteEngine().load(id, model, spec, options)) {
            for (int i = 0; i < items.size(); i++) {
                YoloDataset.Item it = items.get(i);
                gts.add(it.boxes());
                try (Mat m = Images.read(it.image())) {
                    var r = d.detect(Images.view(m), AP_MIN_SCORE);
                    inferMs += r.inferenceMillis();
                    for (Detection x : r.detections()) {
                        if (x.classId() != modelClass) continue;
                        dets.add(new ApCalculator.Scored(i, x.score(),
                                new ApCalculator.Box(x.xmin(), x.ymin(), x.xmax(), x.ymax())));
                    }
                }
            }
        }
        return new Detections(gts, dets, inferMs);
    }

    public static void main(String[] argv) throws Exception {
        Args a;
        try {
            a = new Args(argv);
            a.require("model");
            a.require("dataset");
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: EvalMain --model M.tflite --dataset DIR [--split val] [--threshold 0.5]"
                    + " [--json out.json]");
            System.exit(2);
            return;
        }
        Path modelPath = Paths.get(a.require("model"));
        Path dataset = Paths.get(a.require("dataset"));
        String split = a.get("split", "val");
        int modelClass = Integer.parseInt(a.get("model-class", "0"));
        int datasetClass = Integer.parseInt(a.get("class", "0"));
        float mean = Float.parseFloat(a.get("mean", "128"));
        float std = Float.parseFloat(a.get("std", "128"));

        byte[] bytes = Files.readAllBytes(modelPath);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        ModelIdentity id = new ModelIdentity(modelPath.getFileName().toString(), Precision.INT8, "eval", sha);
        ModelSpec spec;
        if (a.has("raw-ssd300")) {
            // SSD without the post-process op: raw box encodings + class logits, decoded against the
            // standard SSD MobileNet 300x300 anchors (1917) with the TF box coder scales 10,10,5,5.
            List<String> labels = Files.readAllLines(Paths.get(a.require("labels")));
            spec = new ModelSpec(io.vigie.api.model.OutputFormat.RAW_ANCHORS, labels, 0, mean, std,
                    io.vigie.inference.core.SsdAnchors.ssdMobileNet300().generate(), new float[] { 10, 10, 5, 5 },
                    !a.has("no-sigmoid"));
        } else {
            // labelOffset = -modelClass: the model's person id maps to labels[0] = "person"
            spec = ModelSpec.postprocessOp(List.of("person"), -modelClass, mean, std);
        }
        // --coco-json F: --dataset is the image folder and F the COCO instances json (person = category 1)
        boolean coco = a.has("coco-json");
        List<YoloDataset.Item> items = coco
                ? CocoDataset.load(Paths.get(a.require("coco-json")), dataset, Integer.parseInt(a.get("coco-category", "1")))
                : YoloDataset.load(dataset, split, datasetClass);
        String splitName = coco ? Paths.get(a.require("coco-json")).getFileName().toString()
                : YoloDataset.splitDir(dataset, split).getFileName().toString();
        if (items.isEmpty()) throw new IllegalArgumentException("no images in " + dataset + " (" + splitName + ")");

        // MLflow (--mlflow URI or MLFLOW_TRACKING_URI): started before the work so a crash ends the run FAILED
        try (RunLogger mlflow = RunLogger.start(a.get("mlflow", null), a.get("mlflow-experiment", "vigie-eval"),
                "eval " + modelPath.getFileName(), System.err)) {
            evaluate(a, modelPath, sha, id, bytes, spec, items, dataset, splitName, mlflow);
            mlflow.succeeded();
        }
    }

    private static void evaluate(Args a, Path modelPath, String sha, ModelIdentity id, byte[] bytes, ModelSpec spec,
            List<YoloDataset.Item> items, Path dataset, String splitName, RunLogger mlflow) throws Exception {
        double threshold = Double.parseDouble(a.get("threshold", "0.5"));
        int threads = Integer.parseInt(a.get("threads", "1"));
        int modelClass = Integer.parseInt(a.get("model-class", "0"));
        Detections run = detect(id, bytes, spec, items, modelClass,
                new EngineOptions(threads, !a.has("no-xnnpack"), ApCalculator.MAX_DETS));
        List<List<ApCalculator.Box>> gts = run.gts();
        List<ApCalculator.Scored> dets = run.dets();
        double inferMs = run.inferMillis();
        double ap50 = ApCalculator.averagePrecision(gts, dets, 0.5);
        double ap = ApCalculator.averagePrecisionCoco(gts, dets);
        ApCalculator.AtThreshold pr = ApCalculator.atThreshold(gts, dets, 0.5, threshold);
        int nGt = gts.stream().mapToInt(List::size).sum();

        System.out.printf(Locale.ROOT, "model      %s (sha256 %s)%n", modelPath, sha.substring(0, 8));
        System.out.printf(Locale.ROOT, "dataset    %s split %s: %d images, %d persons%n", dataset,
                splitName, items.size(), nGt);
        System.out.printf(Locale.ROOT, "person AP@0.5        %.3f%n", ap50);
        System.out.printf(Locale.ROOT, "person AP@[.5:.95]   %.3f%n", ap);
        System.out.printf(Locale.ROOT, "at score >= %.2f: precision %.3f recall %.3f (tp %d, fp %d, gt %d)%n", threshold,
                pr.precision(), pr.recall(), pr.tp(), pr.fp(), pr.gt());
        System.out.printf(Locale.ROOT, "mean invoke %.1f ms (%d threads)%n", inferMs / items.size(), threads);

        String report = reportJson(modelPath, sha, dataset, splitName, items.size(), nGt, ap50, ap, threshold, pr,
                inferMs / items.size(), threads);
        if (a.has("json")) Files.writeString(Paths.get(a.require("json")), report);
        if (mlflow.active()) {
            Map<String, Object> params = new LinkedHashMap<>();
            params.put("model", modelPath.getFileName());
            params.put("model.sha256", sha);
            params.put("model.bytes", bytes.length);
            params.put("precision", a.get("precision", precisionOf(modelPath)));
            params.put("threads", threads);
            params.put("xnnpack", !a.has("no-xnnpack"));
            params.put("dataset", dataset);
            params.put("dataset.sha256", RunLogger.contentSha256(dataset));
            params.put("split", splitName);
            params.put("threshold", threshold);
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("ap50", ap50);
            metrics.put("ap50_95", ap);
            metrics.put("precision", pr.precision());
            metrics.put("recall", pr.recall());
            metrics.put("images", (double) items.size());
            metrics.put("persons", (double) nGt);
            metrics.put("mean_invoke_ms", inferMs / items.size());
            metrics.put("size_bytes", (double) bytes.length);
            Path json = a.has("json") ? Paths.get(a.require("json")) : null;
            if (json == null) {
                json = Files.createTempDirectory("vigie-eval").resolve("eval.json");
                Files.writeString(json, report);
            }
            mlflow.params(params).metrics(metrics).artifact(json, "results").artifact(modelPath, "model");
        }
    }

    /** The precision a model file name says (the builds name them *-int8 / *-fp32), "unknown" otherwise. */
    static String precisionOf(Path model) {
        String n = model.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.contains("int8") || n.contains("quant")) return "int8";
        if (n.contains("fp32") || n.contains("float")) return "fp32";
        return "unknown";
    }

    /** The --json report: numbers rounded as before, NaN (no ground truth) and infinities as null. */
    static String reportJson(Path modelPath, String sha, Path dataset, String splitName, int images, int nGt,
            double ap50, double ap, double threshold, ApCalculator.AtThreshold pr, double meanInvokeMillis, int threads) {
        JsonObject o = new JsonObject();
        o.addProperty("model", modelPath.toString());
        o.addProperty("sha256", sha);
        o.addProperty("dataset", dataset.toString());
        o.addProperty("split", splitName);
        o.addProperty("images", images);
        o.addProperty("persons", nGt);
        o.addProperty("ap50", Json.fixed(ap50, 5));
        o.addProperty("ap50_95", Json.fixed(ap, 5));
        o.addProperty("threshold", Json.fixed(threshold, 3));
        o.addProperty("precision", Json.fixed(pr.precision(), 5));
        o.addProperty("recall", Json.fixed(pr.recall(), 5));
        o.addProperty("tp", pr.tp());
        o.addProperty("fp", pr.fp());
        o.addProperty("meanInvokeMillis", Json.fixed(meanInvokeMillis, 3));
        o.addProperty("threads", threads);
        return Json.line(o);
    }
}

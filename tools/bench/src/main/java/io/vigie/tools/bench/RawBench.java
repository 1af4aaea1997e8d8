package io.vigie.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** Runs tools/eval's BenchMain in a child JVM (inside the edge cgroup when wrapped) and reads its JSON. */
public final class RawBench {
    private RawBench() {
    }

    public static List<RawResult> run(List<String> wrapper, String java, List<String> jvmOpts, String evalClasspath,
            Path model, String precision, List<Integer> threads, int runs, int warmup, Path workDir) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path json = workDir.resolve("raw-" + precision + ".json");
        Path log = workDir.resolve("raw-" + precision + ".log");
        Files.deleteIfExists(json);
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(java);
        cmd.addAll(jvmOpts);
        cmd.addAll(List.of("-cp", evalClasspath, "io.vigie.tools.eval.BenchMain", "--model", model.toString(), "--threads",
                String.join(",", threads.stream().map(String::valueOf).toList()), "--runs", Integer.toString(runs), "--warmup",
                Integer.toString(warmup), "--json", json.toString()));
        int exit;
        try (ChildProcess p = ChildProcess.start(cmd, workDir, log)) {
            exit = p.waitFor(10, TimeUnit.MINUTES);
        } catch (IllegalStateException e) {
            return failAll(precision, threads, "raw benchmark timed out (log " + log + ")");
        }
        if (exit != 0 || !Files.exists(json))
            return failAll(precision, threads, "raw benchmark exited " + exit + " (log " + log + ")");
        return parse(Files.readString(json), precision, threads);
    }

    /** Reads BenchMain's --json output; thread counts it did not report are marked failed. */
    public static List<RawResult> parse(String text, String precision, List<Integer> threads) {
        JsonObject root = JsonParser.parseString(text).getAsJsonObject();
        List<RawResult> out = new ArrayList<>();
        for (int t : threads) {
            RawResult r = RawResult.failed(precision, t, "no result for " + t + " thread(s) in BenchMain output");
            for (JsonElement e : root.getAsJsonArray("results")) {
                JsonObject o = e.getAsJsonObject();
                if (o.get("threads").getAsInt() != t) continue;
                r = new RawResult(precision, t, Json.num(o, "fpsInvoke"), Json.num(o, "invokeP50Ms"), Json.num(o, "invokeP95Ms"),
                        Json.num(o, "fpsPreprocessInvoke"), Json.num(o, "preprocessInvokeP50Ms"), Json.num(o, "preprocessInvokeP95Ms"),
                        null);
            }
            out.add(r);
        }
        return out;
    }

    private static List<RawResult> failAll(String precision, List<Integer> threads, String error) {
        return threads.stream().map(t -> RawResult.failed(precision, t, error)).toList();
    }
}

package io.vigie.tools.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** Runs {@link RawMain} in a child JVM (inside the edge cgroup when wrapped) and reads its JSON. */
public final class RawBench {
    private RawBench() {
    }

    /** @param classpath this tool's jars + tools/eval's runtime libraries (api, inference, natives) */
    public static RawResult run(List<String> wrapper, String java, List<String> jvmOpts, String classpath, Path model,
            String precision, int threads, int runs, int warmup, Path workDir) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path json = workDir.resolve("raw.json");
        Path log = workDir.resolve("raw.log");
        Files.deleteIfExists(json);
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(java);
        cmd.addAll(jvmOpts);
        cmd.addAll(List.of("-cp", classpath, RawMain.class.getName(), "--model", model.toString(), "--precision", precision,
                "--threads", Integer.toString(threads), "--runs", Integer.toString(runs), "--warmup", Integer.toString(warmup),
                "--json", json.toString()));
        int exit;
        try (ChildProcess p = ChildProcess.start(cmd, workDir, log)) {
            exit = p.waitFor(10, TimeUnit.MINUTES);
        } catch (IllegalStateException e) {
            return RawResult.failed(precision, threads, "raw benchmark timed out (log " + log + ")");
        }
        if (exit != 0 || !Files.exists(json))
            return RawResult.failed(precision, threads, "raw benchmark exited " + exit + " (log " + log + ")");
        return parse(Files.readString(json), precision, threads);
    }

    /** Reads RawMain's --json output. */
    public static RawResult parse(String text, String precision, int threads) {
        JsonObject o = JsonParser.parseString(text).getAsJsonObject();
        if (o.get("threads") == null || o.get("threads").getAsInt() != threads)
            return RawResult.failed(precision, threads, "raw output is not for " + threads + " thread(s)");
        Double inv = Json.num(o, "invokeP50Ms"), both = Json.num(o, "preprocessInvokeP50Ms");
        return new RawResult(precision, threads, Json.num(o, "fpsSustained"), inv == null ? null : Json.round(1000 / inv), inv,
                Json.num(o, "invokeP95Ms"), both == null ? null : Json.round(1000 / both), both,
                Json.num(o, "preprocessInvokeP95Ms"), null);
    }
}

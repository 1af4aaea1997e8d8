package io.vigie.tools.release;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A stage that runs a command in the checkout (output streamed, prefixed with the stage name) and, when it names a
 * result file, checks the command wrote it. Exit code 0 and the file present: PASS; anything else: FAIL.
 */
final class CommandStage extends NamedStage {
    private final Function<PipelineContext, List<String>> command;
    private final Function<PipelineContext, Map<String, Path>> inputs;
    private final Function<PipelineContext, Path> result;

    /**
     * @param inputs files/folders hashed into the stage's record
     * @param result the file the command must write (null: none), removed before the run so a stale one never counts
     */
    CommandStage(String name, String description, Function<PipelineContext, List<String>> command,
            Function<PipelineContext, Map<String, Path>> inputs, Function<PipelineContext, Path> result) {
        super(name, description);
        this.command = command;
        this.inputs = inputs;
        this.result = result;
    }

    @Override
    public Map<String, String> inputs(PipelineContext c) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : inputs.apply(c).entrySet())
            m.put(e.getKey(), Hashes.orMissing(e.getValue()));
        return m;
    }

    @Override
    public Outcome run(PipelineContext c) throws IOException, InterruptedException {
        List<String> cmd = command.apply(c);
        Path out = result == null ? null : result.apply(c);
        if (out != null) Files.deleteIfExists(out);
        c.out().println("pipeline: " + name() + ": " + String.join(" ", cmd));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(c.root().toFile()).redirectErrorStream(true);
        pb.environment().putAll(c.env());
        Process p = pb.start();
        p.getOutputStream().close();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) c.out().println("  [" + name() + "] " + line);
        } finally {
            if (p.isAlive()) p.destroy();
        }
        int rc = p.waitFor();
        if (rc != 0) return Outcome.fail(cmd.get(0) + " exited " + rc);
        if (out != null && !Files.isRegularFile(out)) return Outcome.fail(cmd.get(0) + " exited 0 but wrote no " + out);
        return Outcome.pass("ok", out == null ? Map.of()
                : Map.of("result", c.root().relativize(out.toAbsolutePath()).toString()));
    }
}

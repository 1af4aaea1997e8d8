package io.vigie.tools.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Vigie and the Python peer side by side in one environment (same wrapper, video, model file, thread count, source
 * cap, one MJPEG viewer each): per precision the peer, then Vigie, then the peer again, so the load of a shared
 * machine weighs on both sides alike.
 */
public final class PeerSuite {
    private final PipelineBench vigie;
    private final PeerBench peer;

    public PeerSuite(PipelineBench vigie, PeerBench peer) {
        this.vigie = vigie;
        this.peer = peer;
    }

    public List<PeerReport.Row> run(String environment, Double cpuQuota, Map<String, Path> models, int threads, Path runDir)
            throws IOException, InterruptedException {
        List<PeerReport.Row> rows = new ArrayList<>();
        for (Map.Entry<String, Path> m : models.entrySet()) {
            String precision = m.getKey();
            Path dir = runDir.resolve(environment + "-peer-" + precision + "-t" + threads);
            BenchRunner.deleteTree(dir);
            PeerResult before = peer("before", environment, precision, m.getValue(), threads, dir.resolve("peer-1"));
            BenchRunner.log("%s: Vigie %s/%dt with one MJPEG viewer", environment, precision, threads);
            MjpegClient[] viewer = new MjpegClient[1];
            PipelineResult v = vigie.run(precision, threads, dir.resolve("vigie"),
                    http -> viewer[0] = MjpegClient.open(http.request("/vigie/stream.mjpg")));
            Double streamFps = viewer[0] == null ? null : viewer[0].partsPerSecond();
            String viewerError = viewer[0] == null ? null : viewer[0].error();
            BenchRunner.log("%s: Vigie %s/%dt: %s FPS, p95 %s ms, CPU %s, stream %s FPS%s", environment, precision, threads,
                    Report.fmt(v.fps(), 1), Report.fmt(v.latencyP95Ms(), 0), Report.fmt(v.cpuCores(), 2),
                    Report.fmt(streamFps, 1), v.error() == null ? "" : " (" + v.error() + ")");
            PeerResult after = peer("after", environment, precision, m.getValue(), threads, dir.resolve("peer-2"));
            PeerReport.Row row = PeerReport.row(environment, cpuQuota, precision, threads, v, streamFps, viewerError,
                    List.of(before, after));
            BenchRunner.log("%s: Vigie vs peer %s: %s %s", environment, precision, row.status(), row.detail());
            rows.add(row);
        }
        return rows;
    }

    private PeerResult peer(String when, String environment, String precision, Path model, int threads, Path dir)
            throws IOException, InterruptedException {
        BenchRunner.log("%s: Python peer %s/%dt (%s Vigie)", environment, precision, threads, when);
        PeerResult r = peer.run(precision, model, threads, dir);
        BenchRunner.log("%s: peer %s/%dt: %s FPS, p95 %s ms, CPU %s, invoke p50 %s ms, stream %s FPS%s", environment,
                precision, threads, Report.fmt(r.fps(), 1), Report.fmt(r.latencyP95Ms(), 0), Report.fmt(r.cpuCores(), 2),
                Report.fmt(r.inferenceP50Ms(), 1), Report.fmt(r.streamFps(), 1), r.error() == null ? "" : " (" + r.error() + ")");
        return r;
    }
}

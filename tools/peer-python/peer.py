#!/usr/bin/env python3
"""The seed's Python stack rebuilt as a benchmark peer for Vigie (./vigie bench --peers). Never shipped.

decode (OpenCV VideoCapture, looped, paced at --max-fps, newest-frame hand-off) -> resize -> invoke
(LiteRT Interpreter, XNNPACK, --threads) -> postprocess (score >= 0.5, "person", foot point in one
full-frame zone, dwell) -> annotated MJPEG on /stream (fastapi + uvicorn) and /stats (JSON).

Same model files and preprocessing as Vigie's TfliteDetector: model.properties next to model.tflite
gives input.mean/std; INTER_LINEAR resize, BGR->RGB, then uint8 as is, int8 = pixel ^ 0x80
(pixel - 128), float32 = (pixel - mean) / std. Latency is Vigie's decode->result: the frame's decode
time plus its age from hand-off to result (bundles/detector FrameLoop).
"""
import argparse
import collections
import ctypes
import ctypes.util
import threading
import time

import cv2
import numpy as np
from ai_edge_litert.interpreter import Interpreter

WINDOW = 512  # like Vigie's /vigie/api/metrics: percentiles over the last 512 frames


def os_thread_name(name):
    """Names the OS thread (/proc/PID/task/TID/comm) so per-thread CPU can be told apart, as Java threads can."""
    try:
        ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True).prctl(15, name.encode()[:15], 0, 0, 0)  # PR_SET_NAME
    except (OSError, AttributeError):
        pass


def percentile(samples, p):
    """Nearest-rank percentile, as tools/bench Stats and Vigie's metrics; None without samples."""
    if not samples:
        return None
    s = sorted(samples)
    k = max(0, min(len(s) - 1, int(np.ceil(p / 100.0 * len(s))) - 1))
    return s[k]


def read_properties(path):
    props = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                props[k.strip()] = v.strip()
    return props


def inside(polygon, x, y):
    """Ray casting, as Vigie's Zone.contains on normalised coordinates."""
    hit = False
    n = len(polygon)
    for i in range(n):
        x1, y1 = polygon[i]
        x2, y2 = polygon[(i + 1) % n]
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            hit = not hit
    return hit


class Slot:
    """Newest-frame hand-off: a frame not taken before the next one is published is dropped."""

    def __init__(self):
        self.cond = threading.Condition()
        self.item = None
        self.dropped = 0

    def put(self, item):
        with self.cond:
            if self.item is not None:
                self.dropped += 1
            self.item = item
            self.cond.notify()

    def take(self, timeout):
        with self.cond:
            if self.item is None:
                self.cond.wait(timeout)
            item, self.item = self.item, None
            return item


class Capture(threading.Thread):
    """Decodes the video in a loop and publishes at most max_fps frames/s (Vigie's Pacer for a file source:
    sleep until due, no catch-up burst)."""

    def __init__(self, video, max_fps, slot):
        super().__init__(daemon=True, name="capture")
        self.video, self.slot = video, slot
        self.interval = 1.0 / max_fps if max_fps > 0 else 0.0
        self.decoded = 0
        self.running = True

    def run(self):
        os_thread_name("peer-capture")
        cap = cv2.VideoCapture(self.video)
        due = None
        seq = 0
        while self.running:
            t0 = time.perf_counter()
            ok, frame = cap.read()
            t1 = time.perf_counter()
            if not ok:
                cap.release()
                cap = cv2.VideoCapture(self.video)
                if not cap.isOpened():
                    time.sleep(0.5)
                continue
            self.decoded += 1
            if due is not None and due > t1:
                time.sleep(due - t1)
            seq += 1
            self.slot.put((seq, frame, (t1 - t0) * 1000.0, time.time()))
            now = time.perf_counter()
            if self.interval:
                due = now + self.interval if due is None or now - due > self.interval else due + self.interval
        cap.release()


class Detector(threading.Thread):
    def __init__(self, model_path, threads, score, slot, classes=("person",), min_area=0.001):
        super().__init__(daemon=True, name="detector")
        base = model_path.rsplit("/", 1)[0]
        props = read_properties(base + "/model.properties")
        with open(base + "/labels.txt", encoding="utf-8") as f:
            self.labels = [line.strip() for line in f]
        self.offset = int(props.get("label.offset", "0"))
        self.mean, self.std = float(props.get("input.mean", "0")), float(props.get("input.std", "1"))
        # the default op resolver applies XNNPACK, as Vigie's engine does with xnnpack=true
        self.interp = Interpreter(model_path=model_path, num_threads=threads)
        self.interp.allocate_tensors()
        inp = self.interp.get_input_details()[0]
        self.in_index, self.in_type = inp["index"], inp["dtype"]
        _, self.in_h, self.in_w, _ = inp["shape"]
        self.outputs = self._order(self.interp.get_output_details())
        self.score, self.classes, self.min_area = score, set(classes), min_area
        self.slot = slot
        self.zone = [(0, 0), (1, 0), (1, 1), (0, 1)]
        self.dwell_ms, self.cooldown_ms = 1000, 3000
        self.present_since = self.last_seen = None
        self.intrusion, self.intrusions = False, 0
        self.frames = 0
        self.lock = threading.Lock()
        self.latest = None  # (frame, detections, timings) for the stream
        self.version = 0
        self.latency = collections.deque(maxlen=WINDOW)
        self.stages = {k: collections.deque(maxlen=WINDOW) for k in ("decode", "preprocess", "inference", "postprocess")}
        self.ticks = collections.deque(maxlen=64)
        self.running = True
        self.error = None

    @staticmethod
    def _order(outs):
        """TFLite_Detection_PostProcess outputs named "...", ":1", ":2", ":3" = boxes, classes, scores, count."""
        def idx(o):
            name = o["name"]
            return int(name.rsplit(":", 1)[1]) if ":" in name and name.rsplit(":", 1)[1].isdigit() else 0
        by = sorted(outs, key=idx)
        return [o["index"] for o in by] if sorted(map(idx, outs)) == [0, 1, 2, 3] else [o["index"] for o in outs]

    def preprocess(self, frame):
        h, w = frame.shape[:2]
        if (w, h) != (self.in_w, self.in_h):
            frame = cv2.resize(frame, (int(self.in_w), int(self.in_h)), interpolation=cv2.INTER_LINEAR)
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        if self.in_type == np.uint8:
            x = rgb
        elif self.in_type == np.int8:
            x = np.bitwise_xor(rgb, 0x80).view(np.int8)
        else:
            x = (rgb.astype(np.float32) - self.mean) / self.std
        return x[np.newaxis]

    def postprocess(self, ts_ms):
        boxes, classes, scores, count = (self.interp.get_tensor(i) for i in self.outputs)
        n = min(int(count.reshape(-1)[0]), scores.size)
        kept = []
        for i in range(min(n, 100)):
            s = float(scores[0, i])
            if s < self.score:
                continue
            c = int(round(float(classes[0, i])))
            k = c + self.offset
            label = self.labels[k] if 0 <= k < len(self.labels) else str(c)
            y0, x0, y1, x1 = (min(1.0, max(0.0, float(v))) for v in boxes[0, i])
            if label.lower() not in self.classes or (x1 - x0) * (y1 - y0) < self.min_area:
                continue
            kept.append((label, s, x0, y0, x1, y1))
        in_zone = sum(1 for d in kept if inside(self.zone, (d[2] + d[4]) / 2, d[5]))
        self.dwell(ts_ms, in_zone)
        return kept

    def dwell(self, ts_ms, persons):
        """Intrusion after dwell_ms of continuous presence, ended after cooldown_ms without anyone."""
        if persons > 0:
            self.last_seen = ts_ms
            if self.present_since is None:
                self.present_since = ts_ms
            if not self.intrusion and ts_ms - self.present_since >= self.dwell_ms:
                self.intrusion = True
                self.intrusions += 1
        else:
            if self.last_seen is None or ts_ms - self.last_seen >= self.cooldown_ms:
                self.present_since = None
                self.intrusion = False

    def run(self):
        os_thread_name("peer-detector")
        try:
            while self.running:
                item = self.slot.take(0.5)
                if item is None:
                    continue
                seq, frame, decode_ms, ts = item
                t0 = time.perf_counter()
                self.interp.set_tensor(self.in_index, self.preprocess(frame))
                t1 = time.perf_counter()
                self.interp.invoke()
                t2 = time.perf_counter()
                dets = self.postprocess(ts * 1000.0)
                t3 = time.perf_counter()
                total = decode_ms + max(0.0, (time.time() - ts) * 1000.0)
                with self.lock:
                    self.frames += 1
                    self.latency.append(total)
                    for k, v in (("decode", decode_ms), ("preprocess", (t1 - t0) * 1000), ("inference", (t2 - t1) * 1000),
                                 ("postprocess", (t3 - t2) * 1000)):
                        self.stages[k].append(v)
                    self.ticks.append(t3)
                    self.latest = (seq, frame, dets, total)
                    self.version += 1
        except Exception as e:  # reported on /stats; the bench says what failed
            self.error = repr(e)
            raise

    def fps(self):
        t = list(self.ticks)
        return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 and t[-1] > t[0] else 0.0


def annotate(frame, dets, total_ms, fps, seq):
    img = frame.copy()
    h, w = img.shape[:2]
    for label, s, x0, y0, x1, y1 in dets:
        cv2.rectangle(img, (int(x0 * w), int(y0 * h)), (int(x1 * w), int(y1 * h)), (0, 0, 255), 2)
        cv2.putText(img, "%s %.2f" % (label, s), (int(x0 * w), max(12, int(y0 * h) - 4)), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                    (0, 0, 255), 1)
    cv2.putText(img, "%.1f fps | %.0f ms | peer | #%d" % (fps, total_ms, seq), (8, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                (255, 255, 255), 1)
    return img


def stats(capture, slot, det):
    with det.lock:
        lat = list(det.latency)
        stages = {k: {"p50": percentile(list(v), 50), "p95": percentile(list(v), 95)} for k, v in det.stages.items()}
        frames = det.frames
    return {
        "framesProcessed": frames,
        "fps": det.fps(),
        "source": {"decoded": capture.decoded, "dropped": slot.dropped},
        "latencyMs": {"p50": percentile(lat, 50), "p95": percentile(lat, 95), "p99": percentile(lat, 99),
                      "count": len(lat)},
        "stagesMs": stages,
        "intrusions": det.intrusions,
        "model": {"inputType": np.dtype(det.in_type).name, "input": [int(det.in_h), int(det.in_w)]},
        "error": det.error,
    }


def make_app(capture, slot, det, stream_fps, quality):
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse, StreamingResponse

    app = FastAPI()

    @app.get("/stats")
    def get_stats():
        return JSONResponse(stats(capture, slot, det))

    @app.get("/stream")
    def stream():
        interval = 1.0 / stream_fps if stream_fps > 0 else 0.0

        def parts():
            # like Vigie's MJPEG session: the newest result, drawn and encoded for this client, at most stream_fps
            seen = -1
            while det.running:
                with det.lock:
                    version, latest = det.version, det.latest
                if latest is None or version == seen:
                    time.sleep(0.01)
                    continue
                seen = version
                t = time.perf_counter()
                seq, frame, dets, total = latest
                ok, jpeg = cv2.imencode(".jpg", annotate(frame, dets, total, det.fps(), seq),
                                        [cv2.IMWRITE_JPEG_QUALITY, quality])
                if ok:
                    data = jpeg.tobytes()
                    yield (b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: " + str(len(data)).encode()
                           + b"\r\n\r\n" + data + b"\r\n")
                wait = interval - (time.perf_counter() - t)
                if wait > 0:
                    time.sleep(wait)

        return StreamingResponse(parts(), media_type="multipart/x-mixed-replace; boundary=frame")

    return app


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="model.tflite (model.properties and labels.txt next to it)")
    ap.add_argument("--video", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-fps", type=float, default=30, help="source cap, like Vigie's source.max.fps (0 = none)")
    ap.add_argument("--score", type=float, default=0.5)
    ap.add_argument("--stream-fps", type=float, default=10, help="MJPEG cap per client (Vigie's stream.max.fps)")
    ap.add_argument("--jpeg-quality", type=int, default=75, help="Vigie's jpeg.quality default")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    a = ap.parse_args()

    slot = Slot()
    det = Detector(a.model, a.threads, a.score, slot)
    capture = Capture(a.video, a.max_fps, slot)
    det.start()
    capture.start()
    import uvicorn
    uvicorn.run(make_app(capture, slot, det, a.stream_fps, a.jpeg_quality), host=a.host, port=a.port,
                log_level="warning", access_log=False)
    capture.running = det.running = False


if __name__ == "__main__":
    main()

package io.vigie.cloud.paho;

import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;
import org.eclipse.kura.cloudconnection.request.RequestHandler;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContextConstants;
import org.eclipse.kura.cloudconnection.request.RequestHandlerMessageConstants;
import org.eclipse.kura.cloudconnection.request.RequestHandlerRegistry;
import org.eclipse.kura.message.KuraPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kura-style request/response over {@code $EDC/account/client/appId/METHOD/resource...}: finds the handler registered
 * under the app id, runs it on a worker thread and replies to {@code $EDC/account/requester/appId/REPLY/requestId}
 * with {@code response.code} (200, 400, 404, 500) and, on error, {@code response.exception.message/.stack}.
 *
 * <p>{@link #onMessage} runs on Paho's callback thread and only queues the raw bytes (bounded queue): decoding and the
 * handler run on the workers, so a handler may take minutes without blocking the connection. Replies go through the
 * durable store at priority 0 (QoS 1): a reply survives a connection drop while a long handler runs and overtakes a
 * backlog of data after an outage. Malformed requests never reach a handler; they are counted and answered when a
 * reply address can be read.
 */
public final class RequestDispatcher implements RequestHandlerRegistry, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);

    public static final String METRIC_REQUEST_ID = "request.id";
    public static final String METRIC_REQUESTER = "requester.client.id";
    public static final String METRIC_RESPONSE_CODE = "response.code";
    public static final String METRIC_EXCEPTION_MESSAGE = "response.exception.message";
    public static final String METRIC_EXCEPTION_STACK = "response.exception.stack";
    /** Extra request message properties (besides {@code args}), for handlers that want them. */
    public static final String PROP_METHOD = "method", PROP_APP_ID = "app.id";

    public static final int OK = 200, BAD_REQUEST = 400, NOT_FOUND = 404, ERROR = 500;
    /** Replies and notifications go first (Kura's convention: 0 = most important). */
    public static final int REPLY_PRIORITY = 0;

    private static final Set<String> METHODS = Set.of("GET", "PUT", "POST", "DEL", "EXEC");
    /** Our own lifecycle messages also match the subscription; they are not requests. */
    private static final Set<String> LIFECYCLE = Set.of("BIRTH", "DC", "LWT", "APPS");
    private static final int MAX_STACK_CHARS = 2000, MAX_STACK_FRAMES = 12;

    private final CloudSettings s;
    private final ControlPublisher out;
    private final KuraPayloadCodec codec;
    private final RequestHandlerContext context;
    private final Map<String, RequestHandler> handlers = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor workers;
    private final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();

    /**
     * @param notifications the publisher handed to handlers in their {@link RequestHandlerContext}
     * @param notificationPublisherPid its PID, for the context's NOTIFICATION_PUBLISHER_PID property
     */
    public RequestDispatcher(CloudSettings settings, ControlPublisher out, KuraPayloadCodec codec,
            CloudNotificationPublisher notifications, String notificationPublisherPid) {
        settings.validate();
        this.s = settings;
        this.out = out;
        this.codec = codec;
        Map<String, String> ctx = new HashMap<>();
        ctx.put(RequestHandlerContextConstants.TENANT_ID.name(), settings.accountName);
        ctx.put(RequestHandlerContextConstants.DEVICE_ID.name(), settings.clientId);
        ctx.put(RequestHandlerContextConstants.NOTIFICATION_PUBLISHER_PID.name(), notificationPublisherPid);
        this.context = new RequestHandlerContext(notifications, ctx);
        AtomicInteger n = new AtomicInteger();
        workers = new ThreadPoolExecutor(settings.requestThreads, settings.requestThreads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(settings.requestQueueSize), r -> {
                    Thread t = new Thread(r, "vigie-cloud-request-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        workers.allowCoreThreadTimeOut(true);
    }

    @Override
    public void registerRequestHandler(String id, RequestHandler handler) throws KuraException {
        if (!CloudSettings.isTopicLevel(id) || handler == null) {
            throw new KuraException(KuraErrorCode.INVALID_PARAMETER,
                    "request handler id must be a non-empty topic level without '/', '+', '#' and the handler non-null,"
                            + " got id '" + id + "'");
        }
        RequestHandler previous = handlers.put(id, handler);
        LOG.info("request handler {} registered{}", id, previous != null && previous != handler ? " (replaced another)" : "");
    }

    /** Unknown ids are ignored: a handler unbinding from a component that is going away must not fail. */
    @Override
    public void unregister(String id) {
        if (id != null && handlers.remove(id) != null) {
            LOG.info("request handler {} unregistered", id);
        }
    }

    public Set<String> handlerIds() {
        return Collections.unmodifiableSet(new java.util.TreeSet<>(handlers.keySet()));
    }

    /** Paho callback thread: classify by topic, queue the work, return. */
    public void onMessage(String topic, byte[] raw) {
        String[] levels = topic.split("/", -1);
        if (levels.length < 5 || !"$EDC".equals(levels[0]) || !s.accountName.equals(levels[1])
                || !s.clientId.equals(levels[2])) {
            count("ignored");
            return;
        }
        String appId = levels[3], method = levels[4];
        if ("REPLY".equals(method) || "NOTIFY".equals(method)
                || (levels.length == 5 && "MQTT".equals(appId) && LIFECYCLE.contains(method))) {
            count("ignored"); // replies, notifications and lifecycle messages are never requests
            return;
        }
        List<String> resources = List.of(Arrays.copyOfRange(levels, 5, levels.length));
        count("received");
        if (raw.length > s.maxRequestBytes) {
            // Refused before queueing: an oversized payload must not wait in the queue (memory) for a worker.
            refuseOversized(appId, method, raw.length, prefixAddress(raw));
            return;
        }
        try {
            workers.execute(() -> handle(appId, method, resources, raw));
        } catch (RejectedExecutionException e) {
            count("busy");
            ReplyAddress to = prefixAddress(raw);
            LOG.warn("request {}/{} refused: {} request(s) already waiting", appId, method, s.requestQueueSize);
            if (to != null) {
                replyError(to, appId, ERROR, "gateway busy: " + s.requestQueueSize + " requests already waiting", null);
            }
        }
    }

    private void refuseOversized(String appId, String method, int wireBytes, ReplyAddress to) {
        count("oversized");
        LOG.warn("request on {}/{} refused: above max.request.bytes {} ({} bytes on the wire){}", appId, method,
                s.maxRequestBytes, wireBytes, to == null ? ", no reply address" : "");
        if (to != null) {
            replyError(to, appId, BAD_REQUEST, "request is above max.request.bytes " + s.maxRequestBytes, null);
        }
    }

    private void handle(String appId, String method, List<String> resources, byte[] raw) {
        KuraPayload request;
        try {
            // Inflates at most max.request.bytes + 1: a gzip bomb costs no more than a request at the limit.
            byte[] plain = codec.inflate(raw, s.maxRequestBytes);
            if (plain.length > s.maxRequestBytes) {
                refuseOversized(appId, method, raw.length, prefixAddress(plain, false));
                return;
            }
            request = codec.decodePlain(plain, true);
        } catch (RuntimeException e) {
            count("undecodable");
            LOG.warn("request on {}/{} dropped: undecodable payload ({}), no reply possible", appId, method,
                    e.getMessage());
            return;
        }
        ReplyAddress to = address(request);
        if (to == null) {
            return; // counted and logged by address()
        }
        if (!METHODS.contains(method)) {
            count("unknownMethod");
            replyError(to, appId, NOT_FOUND, "unknown method '" + method + "' (GET, PUT, POST, DEL, EXEC)", null);
            return;
        }
        for (String r : resources) {
            if (r.isEmpty()) {
                count("badRequest");
                replyError(to, appId, BAD_REQUEST, "empty resource segment in " + String.join("/", resources), null);
                return;
            }
        }
        RequestHandler h = handlers.get(appId);
        if (h == null) {
            count("unknownApp");
            replyError(to, appId, NOT_FOUND, "no request handler for application '" + appId + "'", null);
            return;
        }
        Map<String, Object> props = new HashMap<>();
        props.put(RequestHandlerMessageConstants.ARGS_KEY.value(), resources);
        props.put(METRIC_REQUEST_ID, to.requestId);
        props.put(METRIC_REQUESTER, to.requester);
        props.put(PROP_METHOD, method);
        props.put(PROP_APP_ID, appId);
        KuraMessage req = new KuraMessage(request, props);
        KuraMessage resp;
        try {
            count("dispatched");
            switch (method) {
                case "GET": resp = h.doGet(context, req); break;
                case "PUT": resp = h.doPut(context, req); break;
                case "POST": resp = h.doPost(context, req); break;
                case "DEL": resp = h.doDel(context, req); break;
                default: resp = h.doExec(context, req); break;
            }
        } catch (KuraException e) {
            int code = codeOf(e.getCode());
            count(code == ERROR ? "handlerError" : "handlerRefused");
            LOG.info("request {}/{}/{} -> {}: {}", appId, method, String.join("/", resources), code, e.getMessage());
            replyError(to, appId, code, e.getMessage(), e);
            return;
        } catch (Exception | LinkageError | AssertionError e) {
            count("handlerError");
            LOG.warn("request handler {} failed on {}/{}: {}", appId, method, String.join("/", resources), e.toString(), e);
            replyError(to, appId, ERROR, e.toString(), e);
            return;
        }
        // A handler returning nothing gets an empty 200 reply rather than an error: it did succeed.
        KuraPayload body = copy(resp == null ? null : resp.getPayload());
        body.addMetric(METRIC_RESPONSE_CODE, OK);
        if (send(to, appId, body)) {
            count("ok");
        }
    }

    /** Kura's mapping: client errors 400, missing things 404, everything else 500. */
    static int codeOf(KuraErrorCode c) {
        if (c == null) {
            return ERROR;
        }
        switch (c) {
            case BAD_REQUEST:
            case INVALID_PARAMETER:
            case INVALID_MESSAGE_EXCEPTION:
            case INVALID_METRIC_EXCEPTION:
            case DECODER_ERROR:
            case CONFIGURATION_ATTRIBUTE_INVALID:
            case CONFIGURATION_REQUIRED_ATTRIBUTE_MISSING:
                return BAD_REQUEST;
            case NOT_FOUND:
            case OPERATION_NOT_SUPPORTED: // the handler does not serve this method: no such resource
            case CONFIGURATION_SNAPSHOT_NOT_FOUND:
            case BLE_RESOURCE_NOT_FOUND:
                return NOT_FOUND;
            default:
                return ERROR;
        }
    }

    private static final class ReplyAddress {
        final String requester, requestId;

        ReplyAddress(String requester, String requestId) {
            this.requester = requester;
            this.requestId = requestId;
        }
    }

    /**
     * Reply address from the first max.request.bytes of a request (inflated at most that far), body skipped; null
     * when none can be read there.
     */
    private ReplyAddress prefixAddress(byte[] raw) {
        return prefixAddress(raw, true);
    }

    private ReplyAddress prefixAddress(byte[] bytes, boolean mayBeGzipped) {
        try {
            byte[] plain = mayBeGzipped ? codec.inflate(bytes, s.maxRequestBytes) : bytes;
            return address(codec.decodeMetricsPrefix(plain, s.maxRequestBytes));
        } catch (RuntimeException e) {
            count("noReplyAddress");
            LOG.warn("no reply address readable: {}", e.toString());
            return null;
        }
    }

    /** request.id and requester.client.id must be strings usable as one topic level; else no reply is possible. */
    private ReplyAddress address(KuraPayload p) {
        Object id = p.getMetric(METRIC_REQUEST_ID), requester = p.getMetric(METRIC_REQUESTER);
        if (id instanceof String && requester instanceof String && CloudSettings.isTopicLevel((String) id)
                && CloudSettings.isTopicLevel((String) requester)) {
            return new ReplyAddress((String) requester, (String) id);
        }
        count("noReplyAddress");
        LOG.warn("request dropped: {} and {} must be strings without '/', '+', '#' (got {} and {}), no reply possible",
                METRIC_REQUEST_ID, METRIC_REQUESTER, describe(id), describe(requester));
        return null;
    }

    private static String describe(Object v) {
        return v == null ? "none" : v.getClass().getSimpleName() + " '" + v + "'";
    }

    private void replyError(ReplyAddress to, String appId, int code, String message, Throwable t) {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date());
        p.addMetric(METRIC_RESPONSE_CODE, code);
        p.addMetric(METRIC_EXCEPTION_MESSAGE, message == null ? "" : message);
        if (t != null) {
            p.addMetric(METRIC_EXCEPTION_STACK, shortStack(t));
        }
        if (send(to, appId, p)) {
            count(code == BAD_REQUEST ? "replied400" : code == NOT_FOUND ? "replied404" : "replied500");
        }
    }

    /** Stores the reply; a reply the store refuses (e.g. too large) becomes a 500 reply. */
    private boolean send(ReplyAddress to, String appId, KuraPayload p) {
        String topic = "$EDC/" + s.accountName + "/" + to.requester + "/" + appId + "/REPLY/" + to.requestId;
        try {
            out.publishControl(topic, p, 1, REPLY_PRIORITY);
            count("replies");
            return true;
        } catch (IllegalArgumentException e) {
            count("replyRefused");
            LOG.warn("reply to {} refused ({}), answering 500 instead", topic, e.getMessage());
            KuraPayload err = new KuraPayload();
            err.setTimestamp(new Date());
            err.addMetric(METRIC_RESPONSE_CODE, ERROR);
            err.addMetric(METRIC_EXCEPTION_MESSAGE, "reply not sendable: " + e.getMessage());
            try {
                out.publishControl(topic, err, 1, REPLY_PRIORITY);
                count("replies");
            } catch (Exception e2) {
                LOG.warn("error reply to {} not stored: {}", topic, e2.getMessage());
            }
            return false;
        } catch (Exception e) {
            count("replyFailed");
            LOG.warn("reply to {} not stored: {}", topic, e.getMessage());
            return false;
        }
    }

    static String shortStack(Throwable t) {
        StringBuilder b = new StringBuilder(t.toString());
        StackTraceElement[] st = t.getStackTrace();
        for (int i = 0; i < Math.min(st.length, MAX_STACK_FRAMES); i++) {
            b.append("\n\tat ").append(st[i]);
        }
        if (t.getCause() != null && t.getCause() != t) {
            b.append("\nCaused by: ").append(t.getCause());
        }
        return b.length() > MAX_STACK_CHARS ? b.substring(0, MAX_STACK_CHARS) : b.toString();
    }

    /** The handler's payload is copied: we add metrics and must not change an object the handler may keep. */
    private static KuraPayload copy(KuraPayload in) {
        KuraPayload p = new KuraPayload();
        if (in != null) {
            p.setTimestamp(in.getTimestamp());
            p.setPosition(in.getPosition());
            for (Map.Entry<String, Object> m : in.metrics().entrySet()) {
                p.addMetric(m.getKey(), m.getValue());
            }
            p.setBody(in.getBody());
        }
        if (p.getTimestamp() == null) {
            p.setTimestamp(new Date());
        }
        return p;
    }

    private void count(String what) {
        counters.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    public long counter(String what) {
        AtomicLong c = counters.get(what);
        return c == null ? 0 : c.get();
    }

    public Map<String, Long> counters() {
        Map<String, Long> m = new TreeMap<>();
        counters.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** Running handlers are interrupted (given 5 s); queued requests are dropped (the cloud times out and retries). */
    @Override
    public void close() {
        workers.shutdownNow();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("request handlers still running after 5 s at shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        handlers.clear();
    }
}

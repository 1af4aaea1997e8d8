package io.vigie.inference.core;

import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteOk;

import java.nio.charset.StandardCharsets;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorflowlite.BuiltinOpResolver;
import org.bytedeco.tensorflowlite.BuiltinOpResolverWithoutDefaultDelegates;
import org.bytedeco.tensorflowlite.FlatBufferModel;
import org.bytedeco.tensorflowlite.Interpreter;
import org.bytedeco.tensorflowlite.InterpreterBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.inference.EngineOptions;
import io.vigie.api.inference.InferenceEngine;
import io.vigie.api.inference.ModelLoadException;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;

/** TensorFlow Lite (bytedeco) engine: plain class, no OSGi. Stateless, thread-safe. */
public final class TfliteEngine implements InferenceEngine {
    private static final Logger LOG = LoggerFactory.getLogger(TfliteEngine.class);

    @Override
    public ObjectDetector load(ModelIdentity identity, byte[] model, ModelSpec spec, EngineOptions options)
            throws ModelLoadException {
        if (identity == null || spec == null || options == null)
            throw new ModelLoadException("identity, spec and options are required");
        if (model == null || model.length < 8)
            throw new ModelLoadException(identity.shortId() + ": not a TFLite model ("
                    + (model == null ? "no bytes" : model.length + " bytes") + ")");
        // A .tflite flatbuffer carries the file identifier "TFL3" at offset 4: cheap check before native code.
        String ident = new String(model, 4, 4, StandardCharsets.ISO_8859_1);
        if (!"TFL3".equals(ident))
            throw new ModelLoadException(identity.shortId() + ": not a TFLite model (no TFL3 identifier at offset 4)");

        Natives n = new Natives();
        try {
            // BuildFromBuffer does not copy: the detector owns this buffer until close().
            n.buffer = new BytePointer(model.length);
            n.buffer.put(model, 0, model.length);
            n.model = FlatBufferModel.VerifyAndBuildFromBuffer(n.buffer, model.length);
            if (n.model == null || n.model.isNull() || !n.model.initialized())
                throw new ModelLoadException(
                        identity.shortId() + ": TFLite flatbuffer failed verification (corrupt or truncated model)");
            n.resolver = options.useXnnpack() ? new BuiltinOpResolver() : new BuiltinOpResolverWithoutDefaultDelegates();
            n.builder = new InterpreterBuilder(n.model, n.resolver);
            if (n.builder.SetNumThreads(options.threads()) != kTfLiteOk) // before apply, or it has no effect
                throw new ModelLoadException(identity.shortId() + ": cannot set " + options.threads() + " threads");
            n.interpreter = new Interpreter((Pointer) null);
            if (n.builder.apply(n.interpreter) != kTfLiteOk || n.interpreter.isNull())
                throw new ModelLoadException(identity.shortId()
                        + ": interpreter could not be built (unsupported op or version? see TFLite's log)");
            if (n.interpreter.AllocateTensors() != kTfLiteOk)
                throw new ModelLoadException(identity.shortId() + ": tensor allocation failed");
            TfliteDetector d = new TfliteDetector(identity, spec, options, n);
            LOG.info("Loaded {} ({} bytes, {} threads, xnnpack={}): {}", identity.shortId(), model.length,
                    options.threads(), options.useXnnpack(), d.describe());
            return d;
        } catch (ModelLoadException e) {
            n.close();
            throw e;
        } catch (IllegalArgumentException e) {
            n.close();
            throw new ModelLoadException(identity.shortId() + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            n.close();
            throw new ModelLoadException(identity.shortId() + ": cannot load model: " + e, e);
        }
    }

    /** Everything native one detector owns, freed in reverse order of creation. */
    static final class Natives implements AutoCloseable {
        BytePointer buffer;
        FlatBufferModel model;
        BuiltinOpResolver resolver;
        InterpreterBuilder builder;
        Interpreter interpreter;

        @Override
        public void close() {
            interpreter = release(interpreter);
            builder = release(builder);
            resolver = release(resolver);
            model = release(model);
            buffer = release(buffer);
        }

        private static <P extends Pointer> P release(P p) {
            if (p != null) p.close();
            return null;
        }
    }
}

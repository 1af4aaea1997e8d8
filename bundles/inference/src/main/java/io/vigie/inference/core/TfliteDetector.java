package io.vigie.inference.core;

import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.LUT;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteFloat32;
import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteInt8;
import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteOk;
import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteUInt8;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.tensorflowlite.TfLiteTensor;

import io.vigie.api.inference.Detection;
import io.vigie.api.inference.EngineOptions;
import io.vigie.api.inference.InferenceResult;
import io.vigie.api.inference.ModelLoadException;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;
import io.vigie.api.model.OutputFormat;
import io.vigie.api.video.ImageView;

/**
 * One loaded interpreter. Preprocessing writes straight into the input tensor through Mats that
 * wrap its memory; every Mat and array is allocated once here, not per frame. Not thread-safe.
 */
public final class TfliteDetector implements ObjectDetector {
    private final ModelIdentity identity;
    private final ModelSpec spec;
    private final EngineOptions options;
    private TfliteEngine.Natives natives;

    private final int inW, inH, inType;
    private final float inScale;
    private final int inZeroPoint;
    private final long inputAddress;

    // preprocessing: tensorMat wraps the input tensor, the rest are scratch owned here
    private final Mat tensorMat;
    private final Mat resized = new Mat();
    private final Mat rgb; // only for int8 (before the LUT) and float (before convertTo)
    private final Mat lut; // int8: x ^ 0x80
    private final Size inSize;
    // source wrapper cache: frame sources reuse their buffers, so this hits every frame
    private ByteBuffer srcBuffer;
    private int srcW, srcH, srcStride;
    private Mat srcMat;
    private BytePointer srcPointer;
    private byte[] rowCopy; // heap buffers only
    private boolean inputChecked;

    // outputs
    private final OutputTensor boxes, classes, scores, count; // POSTPROCESS_OP
    private final OutputTensor encodings, classScores; // RAW_ANCHORS
    private final AnchorDecoder decoder;

    TfliteDetector(ModelIdentity identity, ModelSpec spec, EngineOptions options, TfliteEngine.Natives n)
            throws ModelLoadException {
        this.identity = identity;
        this.spec = spec;
        this.options = options;
        this.natives = n;
        String id = identity.shortId();

        // inputs()/outputs() map std::vector<int>: limit() is the vector's size
        long nIn = n.interpreter.inputs().limit();
        if (nIn != 1) throw new ModelLoadException(id + ": expected one input tensor (an image), model has " + nIn);
        TfLiteTensor in = n.interpreter.input_tensor(0);
        int[] d = TensorUtil.dims(in);
        if (d.length != 4 || d[0] != 1 || d[3] != 3)
            throw new ModelLoadException(id + ": input must be [1,H,W,3] (an RGB image), is " + Arrays.toString(d));
        inH = d[1];
        inW = d[2];
        inType = in.type();
        if (inType != kTfLiteUInt8 && inType != kTfLiteInt8 && inType != kTfLiteFloat32)
            throw new ModelLoadException(
                    id + ": input type " + TensorUtil.typeName(inType) + " not supported (uint8, int8, float32)");
        if (inType == kTfLiteFloat32 && !(spec.std() > 0))
            throw new ModelLoadException(id + ": float input needs a positive std in the model spec, got " + spec.std());
        inScale = in.params().scale();
        inZeroPoint = in.params().zero_point();
        Pointer data = in.data().data();
        inputAddress = data.address();
        inSize = new Size(inW, inH);
        tensorMat = new Mat(inH, inW, inType == kTfLiteFloat32 ? CV_32FC3 : CV_8UC3, data);
        if (inType == kTfLiteUInt8) {
            rgb = null;
            lut = null;
        } else {
            rgb = new Mat(inH, inW, CV_8UC3);
            if (inType == kTfLiteInt8) {
                // int8 input = uint8 pixel - 128: the converter's int8 quantization is the uint8 one
                // shifted by 128 (same scale), so flipping the top bit is exact.
                lut = new Mat(1, 256, CV_8UC1);
                BytePointer lp = new BytePointer(lut.data());
                for (int i = 0; i < 256; i++) lp.put(i, (byte) (i ^ 0x80));
                lp.close();
            } else {
                lut = null;
            }
        }

        int nOut = (int) n.interpreter.outputs().limit();
        List<OutputTensor> outs = new ArrayList<>();
        for (int i = 0; i < nOut; i++) outs.add(new OutputTensor(n.interpreter.output_tensor(i)));

        if (spec.format() == OutputFormat.POSTPROCESS_OP) {
            if (outs.size() < 4)
                throw new ModelLoadException(
                        id + ": POSTPROCESS_OP model needs 4 outputs (boxes, classes, scores, count), has " + outs);
            OutputTensor[] o = orderPostprocess(outs);
            boxes = o[0];
            classes = o[1];
            scores = o[2];
            count = o[3];
            int maxDet = boxes.dim(1);
            if (boxes.dims.length != 3 || boxes.last() != 4 || classes.elements != maxDet || scores.elements != maxDet
                    || count.elements != 1)
                throw new ModelLoadException(id + ": unexpected post-process outputs " + outs
                        + " (want boxes [1,N,4], classes [1,N], scores [1,N], count [1])");
            encodings = classScores = null;
            decoder = null;
        } else {
            int numAnchors = spec.anchors().length / 4;
            OutputTensor enc = null, sc = null;
            for (OutputTensor t : outs) {
                if (t.elements == numAnchors * 4 && t.last() == 4 && enc == null) enc = t;
                else if (t.elements % numAnchors == 0 && t.dim(1) == numAnchors && sc == null) sc = t;
            }
            if (enc == null || sc == null)
                throw new ModelLoadException(id + ": RAW_ANCHORS model needs box encodings [1," + numAnchors
                        + ",4] and scores [1," + numAnchors + ",C], outputs are " + outs);
            encodings = enc;
            classScores = sc;
            decoder = new AnchorDecoder(spec, sc.elements / numAnchors, AnchorDecoder.DEFAULT_IOU);
            boxes = classes = scores = count = null;
        }
    }

    /** TFLite_Detection_PostProcess outputs are named "...", ":1", ":2", ":3" = boxes, classes, scores, count. */
    private static OutputTensor[] orderPostprocess(List<OutputTensor> outs) {
        OutputTensor[] r = new OutputTensor[4];
        boolean named = true;
        for (OutputTensor t : outs) {
            int k = t.name.lastIndexOf(':');
            int idx = 0;
            if (k >= 0) {
                try {
                    idx = Integer.parseInt(t.name.substring(k + 1));
                } catch (NumberFormatException e) {
                    named = false;
                    break;
                }
            }
            if (idx < 0 || idx > 3 || r[idx] != null) {
                named = false;
                break;
            }
            r[idx] = t;
        }
        if (named && r[0] != null && r[1] != null && r[2] != null && r[3] != null) return r;
        return new OutputTensor[] { outs.get(0), outs.get(1), outs.get(2), outs.get(3) };
    }

    String describe() {
        String scaling = inType != kTfLiteFloat32
                ? " q(scale=" + inScale + ",zp=" + inZeroPoint + ")"
                : " (x-" + spec.mean() + ")/" + spec.std();
        String in = TensorUtil.typeName(inType) + "[1," + inH + "," + inW + ",3]" + scaling;
        String anchors = decoder != null ? " " + decoder.numAnchors() + " anchors x " + decoder.numClasses() + " classes" : "";
        return "input " + in + ", " + spec.format() + anchors;
    }

    @Override
    public ModelIdentity identity() { return identity; }

    @Override
    public int inputWidth() { return inW; }

    @Override
    public int inputHeight() { return inH; }

    /** Input tensor element type (TFLite enum value), for tools. */
    public int inputType() { return inType; }

    @Override
    public InferenceResult detect(ImageView image, float minScore) {
        if (natives == null) throw new IllegalStateException(identity.shortId() + ": detector is closed");
        long t0 = System.nanoTime();
        preprocess(image);
        long t1 = System.nanoTime();
        if (natives.interpreter.Invoke() != kTfLiteOk)
            throw new IllegalStateException(identity.shortId() + ": TFLite Invoke failed");
        long t2 = System.nanoTime();
        List<Detection> dets = postprocess(Math.max(0f, minScore));
        long t3 = System.nanoTime();
        return new InferenceResult(dets, (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6);
    }

    /** Preprocess + invoke only (no decoding), for benchmarks. Returns invoke nanoseconds. */
    public long invokeOnly() {
        if (natives == null) throw new IllegalStateException("closed");
        long t = System.nanoTime();
        if (natives.interpreter.Invoke() != kTfLiteOk) throw new IllegalStateException("Invoke failed");
        return System.nanoTime() - t;
    }

    /** Writes the image into the input tensor (resize, BGR→RGB, type conversion). */
    public void preprocess(ImageView image) {
        if (natives == null) throw new IllegalStateException(identity.shortId() + ": detector is closed");
        Mat src = source(image);
        Mat sized = src;
        if (image.width() != inW || image.height() != inH) {
            resize(src, resized, inSize, 0, 0, INTER_LINEAR);
            sized = resized;
        }
        if (inType == kTfLiteUInt8) {
            cvtColor(sized, tensorMat, COLOR_BGR2RGB);
        } else if (inType == kTfLiteInt8) {
            cvtColor(sized, rgb, COLOR_BGR2RGB);
            LUT(rgb, lut, tensorMat);
        } else {
            cvtColor(sized, rgb, COLOR_BGR2RGB);
            double a = 1.0 / spec.std();
            rgb.convertTo(tensorMat, CV_32FC3, a, -spec.mean() * a);
        }
        // OpenCV reallocates a destination whose size/type is wrong: never let that go unnoticed.
        // Size and type are fixed, so checking the first frame is enough (data() allocates).
        if (!inputChecked) {
            if (tensorMat.data().address() != inputAddress)
                throw new IllegalStateException("input tensor Mat was reallocated");
            inputChecked = true;
        }
    }

    private Mat source(ImageView im) {
        ByteBuffer b = im.bgr();
        if (srcMat != null && b == srcBuffer && im.width() == srcW && im.height() == srcH && im.stride() == srcStride) {
            if (!b.isDirect()) copyRows(im);
            return srcMat;
        }
        releaseSource();
        srcBuffer = b;
        srcW = im.width();
        srcH = im.height();
        srcStride = im.stride();
        if (b.isDirect()) {
            srcPointer = new BytePointer(b.duplicate().clear());
            srcMat = new Mat(srcH, srcW, CV_8UC3, srcPointer, srcStride);
        } else {
            srcMat = new Mat(srcH, srcW, CV_8UC3);
            srcPointer = new BytePointer(srcMat.data());
            rowCopy = b.hasArray() ? null : new byte[srcW * 3];
            copyRows(im);
        }
        return srcMat;
    }

    private void copyRows(ImageView im) {
        ByteBuffer b = im.bgr();
        int row = srcW * 3;
        for (int y = 0; y < srcH; y++) {
            if (b.hasArray()) {
                srcPointer.position((long) y * row).put(b.array(), b.arrayOffset() + y * srcStride, row);
            } else {
                b.get(y * srcStride, rowCopy, 0, row);
                srcPointer.position((long) y * row).put(rowCopy, 0, row);
            }
        }
        srcPointer.position(0);
    }

    private void releaseSource() {
        if (srcMat != null) srcMat.close();
        if (srcPointer != null) srcPointer.close();
        srcMat = null;
        srcPointer = null;
        srcBuffer = null;
    }

    private List<Detection> postprocess(float minScore) {
        int max = options.maxResults();
        if (decoder != null) return decoder.decode(encodings.read(), classScores.read(), minScore, max);
        float[] bx = boxes.read(), cl = classes.read(), sc = scores.read();
        int n = Math.min((int) count.read()[0], scores.elements);
        List<Detection> out = new ArrayList<>(Math.min(n, max));
        for (int i = 0; i < n && out.size() < max; i++) {
            if (!(sc[i] >= minScore)) continue;
            int c = Math.round(cl[i]);
            int o = i * 4;
            out.add(new Detection(c, spec.label(c), sc[i], AnchorDecoder.clamp(bx[o + 1]), AnchorDecoder.clamp(bx[o]),
                    AnchorDecoder.clamp(bx[o + 3]), AnchorDecoder.clamp(bx[o + 2])));
        }
        return out;
    }

    @Override
    public void close() {
        if (natives == null) return;
        releaseSource();
        // tensorMat only wraps the tensor: closing it frees the header, not TFLite's arena
        tensorMat.close();
        resized.close();
        if (rgb != null) rgb.close();
        if (lut != null) lut.close();
        inSize.close();
        natives.close();
        natives = null;
    }
}

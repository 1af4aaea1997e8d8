package io.vigie.inference.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

@ObjectClassDefinition(id = TfliteEngineComponent.PID, name = "Vigie TFLite inference engine",
        description = "TensorFlow Lite engine that runs the detection models.")
public @interface TfliteEngineConfig {
    @AttributeDefinition(name = "Default threads", min = "1", max = "16",
            description = "Interpreter threads used when a caller does not pass engine options.")
    int threads() default 1;

    @AttributeDefinition(name = "XNNPACK",
            description = "Use the XNNPACK CPU delegate (much faster). Off forces the reference kernels for every model "
                    + "loaded afterwards (debugging, bit-exact comparisons).")
    boolean xnnpack() default true;
}

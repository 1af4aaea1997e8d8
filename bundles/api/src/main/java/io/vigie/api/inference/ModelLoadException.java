package io.vigie.api.inference;

/** The bytes are not a model this engine can run; the message says why in terms a user can act on. */
public class ModelLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    public ModelLoadException(String message) { super(message); }

    public ModelLoadException(String message, Throwable cause) { super(message, cause); }
}

package org.eclipse.kura;

import java.util.Arrays;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Checked exception of the Kura API: an error code plus message arguments. Kura renders the message
 * from a localized bundle; here the message is simply the code followed by the arguments.
 */
@ProviderType
public class KuraException extends Exception {

    private static final long serialVersionUID = 1L;

    private final KuraErrorCode code;
    private final Object[] arguments;

    public KuraException(KuraErrorCode code) {
        this(code, (Throwable) null);
    }

    public KuraException(KuraErrorCode code, Object... arguments) {
        this.code = code;
        this.arguments = arguments;
    }

    public KuraException(KuraErrorCode code, Throwable cause, Object... arguments) {
        super(cause);
        this.code = code;
        this.arguments = arguments;
    }

    public static KuraException internalError(String message) {
        return new KuraException(KuraErrorCode.INTERNAL_ERROR, null, message);
    }

    public static KuraException internalError(Throwable cause) {
        return new KuraException(KuraErrorCode.INTERNAL_ERROR, cause, "");
    }

    public static KuraException internalError(Throwable cause, String message) {
        return new KuraException(KuraErrorCode.INTERNAL_ERROR, cause, message);
    }

    public KuraErrorCode getCode() {
        return code;
    }

    @Override
    public String getMessage() {
        StringBuilder sb = new StringBuilder(String.valueOf(code));
        if (arguments != null && arguments.length > 0) {
            sb.append(": ").append(arguments.length == 1 ? String.valueOf(arguments[0]) : Arrays.toString(arguments));
        }
        return sb.toString();
    }

    @Override
    public String getLocalizedMessage() {
        return getMessage();
    }
}

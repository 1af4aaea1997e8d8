package io.vigie.tools.mlflow;

/**
 * Every failure of {@link MlflowClient}, one type: {@link #kind()} says what went wrong, {@link #errorCode()} is MLflow's
 * own {@code error_code} (e.g. {@code RESOURCE_ALREADY_EXISTS}) when the server answered with one.
 */
public final class MlflowException extends Exception {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Kind {
        /** The tracking URI is not an http(s) URI with a host. */
        BAD_URI,
        /** Nothing answered (connection refused, unknown host, timeout). */
        UNREACHABLE,
        /** Something answered, but not as an MLflow server does (HTML, a 404 without MLflow's error body...). */
        NOT_MLFLOW,
        /** MLflow answered with an error ({@link #errorCode()}, {@link #httpStatus()}). */
        HTTP,
        /** A registered model of that name exists and is not Vigie's (no {@link MlflowClient#OWNER_TAG} tag). */
        NAME_CONFLICT,
        /** The server keeps the run's artifacts where the client cannot reach them (no {@code --serve-artifacts}). */
        NO_ARTIFACT_PROXY
    }

    private final Kind kind;
    private final int httpStatus;
    private final String errorCode;

    public MlflowException(Kind kind, String message) {
        this(kind, 0, null, message, null);
    }

    public MlflowException(Kind kind, int httpStatus, String errorCode, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status of the answer, 0 when there was none. */
    public int httpStatus() {
        return httpStatus;
    }

    /** MLflow's {@code error_code}, or null. */
    public String errorCode() {
        return errorCode;
    }

    /** MLflow said the thing asked for does not exist (HTTP 404 / RESOURCE_DOES_NOT_EXIST). */
    public boolean isNotFound() {
        return "RESOURCE_DOES_NOT_EXIST".equals(errorCode);
    }

    /** MLflow said the thing to create exists already. */
    public boolean isAlreadyExists() {
        return "RESOURCE_ALREADY_EXISTS".equals(errorCode);
    }
}

package io.vigie.ota.core;

/** A refused or failed package operation; {@link #kind} maps to the HTTP status the REST API answers. */
public class OtaException extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        /** malformed request (missing name, bad hash syntax, bad URL): 400 */
        BAD_REQUEST(400),
        /** no such package: 404 */
        NOT_FOUND(404),
        /** a bundle already owned by another package, or installed outside DeploymentAdmin: 409 */
        CLASH(409),
        /** the package itself is wrong: not a DP, truncated, hash/signature mismatch, wrong arch: 422 */
        INVALID(422),
        /** DeploymentAdmin or the disk failed: 500 */
        INTERNAL(500);

        public final int status;

        Kind(int status) {
            this.status = status;
        }
    }

    public final Kind kind;

    public OtaException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public OtaException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }
}

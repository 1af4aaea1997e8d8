package org.eclipse.kura.configuration.metatype;

/** Value types of an {@link AD}. */
public enum Scalar {
    STRING,
    LONG,
    DOUBLE,
    FLOAT,
    INTEGER,
    BYTE,
    CHAR,
    BOOLEAN,
    SHORT,
    PASSWORD;

    public String value() {
        return name();
    }

    /** @throws IllegalArgumentException for an unknown type name */
    public static Scalar fromValue(String v) {
        for (Scalar s : values()) {
            if (s.name().equalsIgnoreCase(v)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scalar type: " + v);
    }
}

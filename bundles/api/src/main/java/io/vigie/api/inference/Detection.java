package io.vigie.api.inference;

/**
 * One detected object, box in normalised image coordinates (0..1, origin top-left).
 */
public record Detection(int classId, String label, float score, float xmin, float ymin, float xmax, float ymax) {
    public float width() { return xmax - xmin; }
    public float height() { return ymax - ymin; }
    public float area() { return Math.max(0, width()) * Math.max(0, height()); }
    /** Bottom-centre point: where a person stands, used for zone membership. */
    public float footX() { return (xmin + xmax) / 2f; }
    public float footY() { return ymax; }
}

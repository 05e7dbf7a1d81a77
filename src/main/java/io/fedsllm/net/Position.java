package io.fedsllm.net;

/** A point in the plane, m; the federated server sits at the origin (SYSTEM_MODEL §4). */
public record Position(double xM, double yM) {
    public static final Position ORIGIN = new Position(0, 0);

    public double distanceTo(Position other) {
        return Math.hypot(xM - other.xM, yM - other.yM);
    }
}

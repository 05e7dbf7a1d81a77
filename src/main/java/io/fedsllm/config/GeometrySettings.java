package io.fedsllm.config;

/**
 * Geometry of the cell ({@code fedsllm.geometry}, SYSTEM_MODEL §4): the federated server at the centre of a disc
 * of radius R_c holding the clients, the main server at a fixed offset from the centre.
 *
 * @param discRadiusM       R_c, m
 * @param mainServerOffsetM distance of the main server from the centre, m
 * @param minDistanceM      every client–server distance is clamped to at least this, m
 */
public record GeometrySettings(double discRadiusM, double mainServerOffsetM, double minDistanceM) {

    public static GeometrySettings from(ConfigReader root) {
        ConfigReader r = root.section("geometry");
        double radius = r.physical("disc-radius-m", "a distance in m", 1, 1e5);
        double offset = r.physical("main-server-offset-m", "a distance in m", 0, 1e5);
        double min = r.physical("min-distance-m", "a distance in m", 1, 1e5);
        if (!(min < radius)) {
            throw r.invalid("min-distance-m", "expected a distance < geometry.disc-radius-m = " + radius
                    + " m (otherwise every client would sit at the clamp)");
        }
        return new GeometrySettings(radius, offset, min);
    }
}

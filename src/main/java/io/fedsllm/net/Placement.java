package io.fedsllm.net;

import io.fedsllm.config.GeometrySettings;
import io.fedsllm.config.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Where the clients and servers are (SYSTEM_MODEL §4): clients uniform over the disc's area. */
public final class Placement {
    private Placement() {}

    /** The main server: {@code geometry.main-server-offset-m} from the centre along the x axis. */
    public static Position mainServer(GeometrySettings geometry) {
        return new Position(geometry.mainServerOffsetM(), 0);
    }

    /** The federated server: the centre of the disc. */
    public static Position fedServer() {
        return Position.ORIGIN;
    }

    /**
     * Client k uniform over the disc's area, from its own stream (seed, "placement", k):
     * radius R_c·sqrt(u) makes the density uniform per unit area, not per unit radius.
     */
    public static List<Position> clients(long seed, int clients, GeometrySettings geometry) {
        List<Position> out = new ArrayList<>(clients);
        for (int k = 0; k < clients; k++) {
            out.add(client(seed, k, geometry));
        }
        return List.copyOf(out);
    }

    /** Device k's position alone (the same as entry k of {@link #clients}, whatever their number). */
    public static Position client(long seed, int k, GeometrySettings geometry) {
        SplittableRandom rnd = Seeds.random(seed, "placement", k);
        double radius = geometry.discRadiusM() * Math.sqrt(rnd.nextDouble());
        double angle = 2 * Math.PI * rnd.nextDouble();
        return new Position(radius * Math.cos(angle), radius * Math.sin(angle));
    }

    /** Distance between a client and a server, clamped to at least {@code geometry.min-distance-m}. */
    public static double clampedDistance(Position client, Position server, GeometrySettings geometry) {
        return Math.max(geometry.minDistanceM(), client.distanceTo(server));
    }
}

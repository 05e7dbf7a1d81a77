package io.fedsllm.cluster;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import java.time.Duration;

/**
 * {@code fedsllm.cluster.courier}: the courier's port and limits.
 *
 * @param dataPort       TCP port of this node's courier server, 0 = any free port
 * @param writeSize      bytes per socket write (progress is measured between writes)
 * @param ackTimeout     a connection without progress for this long fails its unfinished sends
 * @param maxMessageSize serialized messages above this many bytes fail at once
 */
public record CourierSettings(int dataPort, int writeSize, Duration ackTimeout, long maxMessageSize) {

    public static CourierSettings from(Config config) {
        ConfigReader r = ConfigReader.root(config).section("cluster").section("courier");
        return new CourierSettings(r.intInRange("data-port", 0, 65535), (int) r.bytesInRange("write-size", 1024, 64 << 20),
                r.durationInRange("ack-timeout", Duration.ofMillis(100), Duration.ofHours(1)),
                r.bytesInRange("max-message-size", 1, Integer.MAX_VALUE - 8));
    }
}

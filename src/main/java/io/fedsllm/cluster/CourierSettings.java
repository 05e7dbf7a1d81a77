package io.fedsllm.cluster;

import com.typesafe.config.Config;
import io.fedsllm.config.ConfigReader;
import java.time.Duration;

/**
 * {@code fedsllm.cluster.courier}: how {@link Courier} cuts and paces large messages.
 *
 * @param chunkSize      bytes per chunk
 * @param window         chunks in flight (sent, not acknowledged) per destination node
 * @param ackTimeout     silence of a destination after which its unfinished transfers fail
 * @param maxMessageSize serialized messages above this many bytes fail at once
 */
public record CourierSettings(int chunkSize, int window, Duration ackTimeout, long maxMessageSize) {
    /** Room left in a large frame for Artery's envelope and the chunk's own header, bytes. */
    static final long FRAME_HEADROOM = 64 * 1024;

    /** Reads {@code fedsllm.cluster.courier}; the chunk must fit Artery's large frame with {@link #FRAME_HEADROOM} to spare. */
    public static CourierSettings from(Config config) {
        ConfigReader r = ConfigReader.root(config).section("cluster").section("courier");
        long frame = config.getBytes("pekko.remote.artery.advanced.maximum-large-frame-size");
        long chunk = r.bytesInRange("chunk-size", 1024, frame - FRAME_HEADROOM);
        int window = r.intInRange("window", 1, 1024);
        Duration ackTimeout = r.durationInRange("ack-timeout", Duration.ofMillis(100), Duration.ofHours(1));
        long max = r.bytesInRange("max-message-size", 1, Integer.MAX_VALUE - 8);
        return new CourierSettings((int) chunk, window, ackTimeout, max);
    }
}

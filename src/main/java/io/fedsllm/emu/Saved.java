package io.fedsllm.emu;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * What a party carries from one global round to the next, saved at a checkpoint (the end of a round, when every
 * party is between rounds) and restored from it: the last round it took part in, the LoRA blocks it holds (servers),
 * the global copy's version (federated server), its compute's state (trainer LoRA and optimiser, or the global copy
 * and the aggregation strategy's state; null in analytic mode) and its message totals. CBOR bytes.
 */
record Saved(int lastRound, List<Integer> blocks, long version, byte[] compute, PartyAudit.PartyStats audit) {
    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

    Saved {
        blocks = List.copyOf(blocks);
    }

    byte[] toBytes() {
        return cbor(this);
    }

    /** Reads {@link #toBytes}; a malformed state is an IllegalArgumentException. */
    static Saved fromBytes(byte[] bytes) {
        return cbor(bytes, Saved.class);
    }

    /** A state record as CBOR bytes (deterministic for the same values). */
    static byte[] cbor(Object state) {
        try {
            return CBOR.writeValueAsBytes(state);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@link #cbor(Object)}; malformed bytes are an IllegalArgumentException. */
    static <T> T cbor(byte[] bytes, Class<T> type) {
        try {
            return CBOR.readValue(bytes, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed " + type.getSimpleName() + " state: " + e.getMessage(), e);
        }
    }
}

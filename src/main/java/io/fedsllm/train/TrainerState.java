package io.fedsllm.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import io.fedsllm.nn.Optimizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Everything a trainer carries from one round to the next, to continue exactly after a checkpoint: its split and rank,
 * its LoRA (safetensors bytes of {@link LoraBlocks}), its optimiser's state and (server) its step count, which seeds
 * the dropout masks. Bytes are CBOR (deterministic for the same state).
 *
 * @param steps server steps taken (0 for a client, whose dropout masks follow round and iteration)
 */
public record TrainerState(int splitLayer, int rank, byte[] lora, long steps, long optimizerSteps,
        List<float[]> optimizerArrays) {
    private static final ObjectMapper CBOR = new ObjectMapper(new CBORFactory());

    public TrainerState {
        optimizerArrays = List.copyOf(optimizerArrays);
    }

    Optimizer.State optimizer() {
        return new Optimizer.State(optimizerSteps, optimizerArrays);
    }

    public byte[] toBytes() {
        try {
            return CBOR.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads {@link #toBytes}; a malformed state is an IllegalArgumentException. */
    public static TrainerState fromBytes(byte[] bytes) {
        try {
            return CBOR.readValue(bytes, TrainerState.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed trainer state: " + e.getMessage(), e);
        }
    }
}

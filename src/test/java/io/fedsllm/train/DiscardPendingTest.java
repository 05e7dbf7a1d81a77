package io.fedsllm.train;

import static io.fedsllm.train.SmallTraining.assertSameLora;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client left out of an iteration (deadline policy) drops its pending forward: the native arrays of the step
 * are released, its LoRA is untouched, and the next round's global copy can be imported.
 */
class DiscardPendingTest {
    @TempDir
    static Path dir;
    static TrainContext ctx;

    @BeforeAll
    static void setUp() {
        ctx = TrainContext.create(SmallTraining.config(dir.resolve("cache")));
    }

    @AfterAll
    static void tearDown() {
        ctx.close();
    }

    @Test
    void aLeftOutForwardIsReleasedAndTheGlobalCopyCanBeImported() {
        int split = 2;
        int rank = 4;
        try (ClientTrainer c = ClientTrainer.create(ctx, 0, ctx.shard(0, 2), split, rank, SmallTraining.SEED);
             ServerTrainer server = ServerTrainer.create(ctx, split, rank, SmallTraining.SEED)) {
            LoraBlocks global = SmallTraining.randomLora(ctx, rank, 0, split, 5);
            int idle = c.nativeArrays();
            LoraBlocks before = c.exportLora();
            c.forward(0, 0);
            assertTrue(c.nativeArrays() > idle, "the pending forward holds native arrays");
            assertThrows(IllegalStateException.class, () -> c.importLora(global), "import while a forward is pending");

            c.discardPending();
            assertEquals(idle, c.nativeArrays(), "the left-out step's arrays are released");
            assertSameLora(before, c.exportLora(), 0);
            assertThrows(IllegalStateException.class, () -> c.backward(new byte[0]), "no forward is pending any more");
            c.discardPending(); // nothing pending: no-op
            c.importLora(global);
            assertSameLora(global, c.exportLora(), 0);

            // Training goes on after the discard.
            ClientTrainer.Forward f = c.forward(1, 0);
            ServerTrainer.Step st = server.step(List.of(f.activations()), List.<int[][]>of(f.labels()));
            c.backward(st.activationGradients().get(0));
            assertThrows(AssertionError.class, () -> assertSameLora(global, c.exportLora(), 0), "the step updated the LoRA");
        }
    }
}

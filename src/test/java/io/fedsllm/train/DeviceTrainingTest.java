package io.fedsllm.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every tensor a split training step makes lives on the context's device (train.device), here the CPU. */
class DeviceTrainingTest {

    private static void assertAllOn(Device device, NDManager manager, String what) {
        assertEquals(device, manager.getDevice(), what + "'s manager");
        List<NDArray> arrays = List.copyOf(manager.getManagedArrays());
        assertFalse(arrays.isEmpty(), what + " holds arrays");
        for (NDArray a : arrays) {
            assertEquals(device, a.getDevice(), what + ": " + a.getName() + " " + a.getShape());
        }
    }

    @Test
    void theTensorsOfASplitStepLiveOnTheSelectedDevice(@TempDir Path dir) {
        try (TrainContext ctx = TrainContext.create(SmallTraining.config(dir.resolve("cache"), "train.device=cpu"));
             ClientTrainer client = ClientTrainer.create(ctx, 0, SmallTraining.data(dir.resolve("cache")).shard(0, 1), 2, 4,
                     SmallTraining.SEED);
             ServerTrainer server = ServerTrainer.create(ctx, 2, 4, SmallTraining.SEED,
                     SmallTraining.randomLora(ctx, 4, 2, SmallTraining.LAYERS, 3))) {
            assertEquals(Device.cpu(), ctx.device());
            assertAllOn(ctx.device(), ctx.base().manager(), "the base");
            ClientTrainer.Forward f = client.forward(0, 0);
            assertAllOn(ctx.device(), client.manager(), "the client with its forward pending");
            ServerTrainer.Step step = server.step(List.of(f.activations()), List.<int[][]>of(f.labels()));
            assertAllOn(ctx.device(), server.manager(), "the server after its step");
            client.backward(step.activationGradients().get(0));
            assertAllOn(ctx.device(), client.manager(), "the client after its backward");
        }
    }
}

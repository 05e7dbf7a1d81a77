package io.fedsllm.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.fedsllm.config.ConfigError;
import io.fedsllm.config.ConfigLoader;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.TrainSettings;
import io.fedsllm.config.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** train.device: parsing, resolution against the visible GPUs, errors; no DJL manager on the engine's default device. */
class DevicesTest {

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "message lacks '" + p + "': " + message);
        }
    }

    @Test
    void settingsResolveAgainstTheVisibleGpus() {
        assertEquals(Device.cpu(), Devices.select("cpu", 2));
        assertEquals(Device.gpu(0), Devices.select("gpu", 2));
        assertEquals(Device.gpu(1), Devices.select("gpu:1", 2));
        assertEquals(Device.gpu(0), Devices.select("auto", 1));
        assertEquals(Device.cpu(), Devices.select("auto", 0), "auto falls back to the CPU");
    }

    @Test
    void aGpuThatIsNotVisibleIsAClearUserError() {
        assertMentions(assertThrows(UserError.class, () -> Devices.select("gpu", 0)).getMessage(),
                "fedsllm.train.device = gpu", "PyTorch sees no GPU", "cpu or auto", "PYTORCH_LIBRARY_PATH", "2.7.1");
        assertMentions(assertThrows(UserError.class, () -> Devices.select("gpu:2", 2)).getMessage(),
                "fedsllm.train.device = gpu:2", "2 GPU(s), numbered 0..1");
    }

    @Test
    void thisMachineResolvesAutoAndCpuAndRejectsGpuWhenItHasNone() {
        assertEquals(Device.cpu(), Devices.select("cpu"));
        if (ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0) {
            assertEquals(Device.cpu(), Devices.select("auto"));
            assertThrows(UserError.class, () -> Devices.select("gpu"));
        }
    }

    @Test
    void theConfigKeyAcceptsOnlyTheFourSpellings() {
        assertEquals("cpu", TrainSettings.from(ConfigReader.root(ConfigLoader.withSets())).device());
        assertEquals("gpu:3", TrainSettings.from(ConfigReader.root(ConfigLoader.withSets("train.device=\"gpu:3\""))).device());
        for (String bad : List.of("cuda", "gpu:", "gpu:-1", "GPU", "gpu:x")) {
            assertMentions(assertThrows(ConfigError.class, () -> TrainSettings.from(ConfigReader.root(
                    ConfigLoader.withSets("train.device=\"" + bad + "\"")))).getMessage(),
                    "fedsllm.train.device", bad, "cpu, gpu (the first GPU), gpu:N", "auto");
        }
    }

    /**
     * DJL's {@code NDManager.newBaseManager()} without a device puts tensors on the first GPU whenever one is visible.
     * On a CPU-only machine a test cannot see that happen, so this one checks the source: every base manager of the
     * DJL code (nn, train and the commands) is created with an explicit device.
     */
    @Test
    void noBaseManagerIsCreatedOnTheDefaultDevice() throws IOException {
        Pattern noDevice = Pattern.compile("newBaseManager\\(\\s*\\)");
        for (String pkg : List.of("nn", "train", "cli", "emu", "cluster")) {
            try (Stream<Path> files = Files.walk(Path.of("src/main/java/io/fedsllm", pkg))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String src = Files.readString(f);
                    assertTrue(!noDevice.matcher(src).find(), f + " creates an NDManager on DJL's default device");
                }
            }
        }
    }
}

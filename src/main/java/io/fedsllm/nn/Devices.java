package io.fedsllm.nn;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.fedsllm.config.UserError;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves {@code fedsllm.train.device} (cpu | gpu | gpu:N | auto) to the DJL device every tensor of this JVM's DJL
 * work lives on; the one place that asks the PyTorch engine how many GPUs it sees. DJL's own default device is the
 * first GPU whenever one is visible, so managers are always created with the resolved device
 * ({@code NDManager.newBaseManager(device)}), never with the default.
 */
public final class Devices {
    private static final Logger LOG = LoggerFactory.getLogger(Devices.class);
    private static final String KEY = "fedsllm.train.device";
    private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();

    private Devices() {}

    /** The device of {@code setting}, checked against the GPUs the PyTorch engine sees. */
    public static Device select(String setting) {
        return select(setting, Engine.getEngine("PyTorch").getGpuCount());
    }

    /** The device of {@code setting} when {@code gpus} GPUs are visible; a {@link UserError} when it names a missing one. */
    static Device select(String setting, int gpus) {
        switch (setting) {
            case "cpu":
                return Device.cpu();
            case "auto":
                if (gpus > 0) {
                    return Device.gpu(0);
                }
                if (FALLBACK_LOGGED.compareAndSet(false, true)) {
                    LOG.info("{} = auto: PyTorch sees no GPU, DJL work runs on the CPU", KEY);
                }
                return Device.cpu();
            case "gpu":
                return gpu(setting, 0, gpus);
            default:
                if (setting.startsWith("gpu:")) {
                    try {
                        return gpu(setting, Integer.parseInt(setting.substring(4)), gpus);
                    } catch (NumberFormatException e) {
                        // falls through to the error below
                    }
                }
                throw new UserError(KEY + " = " + setting + ": expected cpu, gpu, gpu:N (N = 0, 1, ...) or auto");
        }
    }

    private static Device gpu(String setting, int index, int gpus) {
        if (index < gpus) {
            return Device.gpu(index);
        }
        throw new UserError(KEY + " = " + setting + ": PyTorch sees " + (gpus == 0 ? "no GPU" : gpus + " GPU(s), numbered 0.." + (gpus - 1))
                + ". Use cpu or auto, or run DJL on a CUDA build of libtorch 2.7.1 (PYTORCH_LIBRARY_PATH, PYTORCH_FLAVOR,"
                + " PYTORCH_VERSION; docs/cluster.md).");
    }
}

package io.fedsllm.nn;

import io.fedsllm.config.LoraSettings;
import io.fedsllm.config.ModelShape;

/**
 * A split model run in one process: the three split calls (clientForward, serverStep, clientBackward) with
 * activations and gradients crossing as bytes. Builds each party's own copy of the weights it needs.
 */
public final class SplitLm implements LanguageModel {
    private final ParamSet clientBase;
    private final ParamSet serverBase;
    private final LoraAdapters clientLora;
    private final LoraAdapters serverLora;
    private final SplitClient client;
    private final SplitServer server;

    /**
     * Splits {@code base} at block boundary {@code splitLayer} in [1, L-1]; LoRA adapters are initialised exactly
     * as the unsplit model's (A depends only on seed, block and target).
     */
    public SplitLm(ModelShape shape, ParamSet base, LoraSettings lora, int rank, int splitLayer, Optimizer.Settings optimizer,
                   long seed, long stream) {
        if (splitLayer < 1 || splitLayer >= shape.layers()) {
            throw new IllegalArgumentException("split layer " + splitLayer + ": expected a block boundary in [1, "
                    + (shape.layers() - 1) + "] for model '" + shape.name() + "'");
        }
        // The segments' copies live where the base lives (train.device).
        clientBase = base.copy(Gpt2Weights.clientSegment(shape, splitLayer), ai.djl.ndarray.NDManager.newBaseManager(base.manager().getDevice()));
        serverBase = base.copy(Gpt2Weights.serverSegment(shape, splitLayer), ai.djl.ndarray.NDManager.newBaseManager(base.manager().getDevice()));
        clientLora = LoraAdapters.init(shape, lora, rank, seed, 0, splitLayer, clientBase.manager().newSubManager());
        serverLora = LoraAdapters.init(shape, lora, rank, seed, splitLayer, shape.layers(), serverBase.manager().newSubManager());
        client = new SplitClient(shape, clientBase, clientLora, splitLayer, optimizer, lora.dropout(), seed, stream);
        server = new SplitServer(shape, serverBase, serverLora, splitLayer, optimizer, lora.dropout(), seed, stream);
    }

    @Override
    public double trainStep(int[][] inputs, int[][] labels, long step) {
        byte[] acts = client.clientForward(inputs, step);
        SplitServer.StepResult r = server.serverStep(acts, labels, step);
        client.clientBackward(r.activationGradient());
        return r.loss();
    }

    @Override
    public double lossSum(int[][] inputs, int[][] labels) {
        return server.lossSum(client.inferenceForward(inputs), labels);
    }

    @Override
    public int[][] argmaxNext(int[][] inputs) {
        return server.argmaxNext(client.inferenceForward(inputs), inputs.length);
    }

    public SplitClient client() {
        return client;
    }

    public SplitServer server() {
        return server;
    }

    public LoraAdapters clientLora() {
        return clientLora;
    }

    public LoraAdapters serverLora() {
        return serverLora;
    }

    /** The client's own copy of the base weights it holds (tests check it stays frozen). */
    ParamSet clientBase() {
        return clientBase;
    }

    /** The server's own copy of the base weights it holds (tests check it stays frozen). */
    ParamSet serverBase() {
        return serverBase;
    }

    @Override
    public void close() {
        client.close();
        clientBase.close();
        serverBase.close();
    }
}

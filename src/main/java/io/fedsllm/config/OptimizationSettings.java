package io.fedsllm.config;

/**
 * How split-federated LoRA is optimised ({@code fedsllm.train}): each client's optimiser, the main server's, how a
 * client's activation gradient is scaled, and the federated server's strategy for the client-side LoRA.
 *
 * @param clientOptimizer     {@code train.client-optimizer}: the optimiser of each client's LoRA
 * @param serverOptimizer     {@code train.server-optimizer}: the optimiser of the main server's segment LoRA (and of
 *                            every LoRA in centralized training, which the server holds alone)
 * @param clientGradientScale {@code train.client-gradient-scale}: what the activation gradient a client receives is
 *                            the gradient of
 * @param sgd                 {@code train.sgd.*}: SGD settings (used by whichever party chooses sgd)
 * @param strategy            {@code train.fed-strategy}: the federated server's strategy
 * @param fedAvgM             {@code train.fedavgm.*}
 * @param fedProxMu           {@code train.fedprox.mu}: μ of FedProx's proximal term on the clients
 * @param fedOpt              {@code train.fedopt.*}: FedAdam, FedYogi, FedAdagrad
 */
public record OptimizationSettings(OptimizerKind clientOptimizer, OptimizerKind serverOptimizer, GradientScale clientGradientScale,
                                   Sgd sgd, Strategy strategy, FedAvgM fedAvgM, double fedProxMu, FedOpt fedOpt) {

    /** A party's optimiser: AdamW (the {@code train.learning-rate}, betas, epsilon, weight-decay keys) or SGD. */
    public enum OptimizerKind { ADAMW, SGD }

    /**
     * What a client's activation gradient is the gradient of. The main server's loss is the mean over the labelled
     * tokens of all K·b sequences of the step, so the slice client k receives is (n_k / N) times the gradient of
     * its own mean loss (n_k its labelled tokens, N all of them: about 1/K).
     */
    public enum GradientScale {
        /** The slice as it is: the gradient of the server's loss (today's behaviour; the sum over clients is the full gradient). */
        TOTAL_LOSS,
        /** The slice times N / n_k: the gradient of the client's own mean loss, whatever K. */
        OWN_LOSS
    }

    /** The federated server's strategy for the client-side LoRA. */
    public enum Strategy { FEDAVG, FEDAVGM, FEDADAM, FEDYOGI, FEDADAGRAD, FEDPROX }

    /** PyTorch-style SGD: learning rate, momentum μ in [0, 1), Nesterov (needs μ > 0), coupled L2 weight decay. */
    public record Sgd(double learningRate, double momentum, boolean nesterov, double weightDecay) {}

    /** FedAvgM (Hsu et al. 2019): server learning rate η and server momentum β in [0, 1). */
    public record FedAvgM(double learningRate, double momentum) {}

    /**
     * The adaptive strategies of Reddi et al. 2021 (Algorithm 2): server learning rate η, β1, β2 (fedadam and
     * fedyogi), adaptivity τ (the epsilon), Adam's bias correction (off in the paper), decoupled weight decay (0 in the
     * paper).
     */
    public record FedOpt(double learningRate, double beta1, double beta2, double epsilon, boolean biasCorrection,
                         double weightDecay) {}

    public static OptimizationSettings from(ConfigReader root) {
        ConfigReader r = root.section("train");
        ConfigReader s = r.section("sgd");
        double momentum = s.doubleInRange("momentum", 0, 0.999999);
        boolean nesterov = s.getBoolean("nesterov");
        if (nesterov && momentum == 0) {
            throw s.invalid("nesterov", "Nesterov momentum needs fedsllm.train.sgd.momentum > 0 (it is 0)");
        }
        Sgd sgd = new Sgd(s.positiveDouble("learning-rate"), momentum, nesterov, s.nonNegativeDouble("weight-decay"));
        ConfigReader m = r.section("fedavgm");
        FedAvgM fedAvgM = new FedAvgM(m.positiveDouble("learning-rate"), m.doubleInRange("momentum", 0, 0.999999));
        ConfigReader o = r.section("fedopt");
        FedOpt fedOpt = new FedOpt(o.positiveDouble("learning-rate"), o.doubleInRange("beta1", 0, 0.999999),
                o.doubleInRange("beta2", 0, 0.999999), o.positiveDouble("epsilon"), o.getBoolean("bias-correction"),
                o.nonNegativeDouble("weight-decay"));
        return new OptimizationSettings(r.enumValue("client-optimizer", OptimizerKind.class),
                r.enumValue("server-optimizer", OptimizerKind.class), r.enumValue("client-gradient-scale", GradientScale.class),
                sgd, r.enumValue("fed-strategy", Strategy.class), fedAvgM, r.section("fedprox").positiveDouble("mu"), fedOpt);
    }

    /** μ of the clients' proximal term: {@link #fedProxMu} under fedprox, else 0 (no term). */
    public double proximalMu() {
        return strategy == Strategy.FEDPROX ? fedProxMu : 0;
    }
}

package io.fedsllm.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.UserError;
import io.fedsllm.report.ConsoleProgress;
import io.fedsllm.report.OutputDir;
import io.fedsllm.train.CentralizedTraining;
import io.fedsllm.train.FineTuner;
import io.fedsllm.train.PeftAdapters;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code train}: real LoRA fine-tuning with DJL on the E2E train split. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "LoRA fine-tuning of the (pre-trained) base on E2E with validation loss and generation metrics.")
public final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;
    @Mixin
    ConfigOptions config;

    @Option(names = "--scheme", paramLabel = "NAME", defaultValue = "centralized",
            description = "training scheme: centralized (in one process; with --split-layer the three split calls)")
    String scheme;

    @Option(names = "--model", paramLabel = "NAME", description = "model preset (default: train.model)")
    String model;

    @Option(names = "--rank", paramLabel = "R", description = "LoRA rank (default: lora.rank)")
    Integer rank;

    @Option(names = "--steps", paramLabel = "N", description = "optimiser steps (default: train.steps)")
    Integer steps;

    @Option(names = "--split-layer", paramLabel = "L", defaultValue = "0",
            description = "cut after this many blocks and run clientForward / serverStep / clientBackward (0 = no split)")
    int splitLayer;

    @Option(names = "--seed", paramLabel = "S", description = "experiment seed (default: fedsllm.seed)")
    Long seed;

    @Option(names = "--json", description = "print one JSON object")
    boolean json;

    @Option(names = "--save-lora", paramLabel = "PATH",
            description = "write the trained LoRA adapters of every block to this safetensors file, and the same adapters in "
                    + "Hugging Face PEFT's layout (adapter_model.safetensors + adapter_config.json) to the folder next to it named "
                    + "after it: lora.safetensors -> lora-peft/")
    java.nio.file.Path saveLora;

    @Option(names = "--overwrite", description = "replace an existing --save-lora file")
    boolean overwrite;

    @Override
    public Integer call() throws Exception {
        if (!scheme.equals("centralized")) {
            throw new UserError("--scheme " + scheme + ": expected centralized (the federated schemes run in the emulator)");
        }
        ConfigReader root = ConfigReader.root(config.load(new FlagOverrides(spec).add("--model", "train.model", model)
                .add("--rank", "lora.rank", rank).add("--steps", "train.steps", steps).add("--seed", "seed", seed).list()));
        if (saveLora != null) {
            OutputDir.requireFileLocation(saveLora, "--save-lora " + saveLora, overwrite);
        }
        CentralizedTraining.Outcome o = CentralizedTraining.run(root, splitLayer, saveLora,
                ConsoleProgress.stderr(root).trainProgress());
        FineTuner.Report r = o.report();
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode n = m.createObjectNode();
            n.put("scheme", scheme).put("model", r.model()).put("splitLayer", r.splitLayer()).put("rank", r.rank())
                    .put("steps", r.steps()).put("valLossStart", r.valLossStart()).put("valLossEnd", r.valLossEnd())
                    .put("valPerplexityStart", r.valPerplexityStart()).put("valPerplexityEnd", r.valPerplexityEnd())
                    .put("bleuStart", r.start().bleu()).put("bleu", r.end().bleu())
                    .put("rougeLStart", r.start().rougeL()).put("rougeL", r.end().rougeL())
                    .put("slotErrorRateStart", r.start().slotErrorRate()).put("slotErrorRate", r.end().slotErrorRate())
                    .put("stepsPerSecond", r.stepsPerSecond()).put("tokensPerSecond", r.tokensPerSecond())
                    .put("base", o.baseSource());
            if (saveLora != null) {
                n.put("savedLora", saveLora.toString());
                n.put("savedPeft", PeftAdapters.folderFor(saveLora).toString());
            }
            ArrayNode curve = n.putArray("valLossCurve");
            r.curve().forEach(p -> curve.addObject().put("step", p.step()).put("valLoss", p.valLoss()));
            ArrayNode samples = n.putArray("samples");
            r.samples().forEach(samples::add);
            System.out.println(m.writeValueAsString(n));
        } else {
            System.out.printf(Locale.ROOT, "base: %s%n", o.baseSource());
            System.out.printf(Locale.ROOT, "%s, rank %d, %s, %d steps: %.2f steps/s, %.0f tokens/s%n", r.model(), r.rank(),
                    r.splitLayer() == 0 ? "unsplit" : "split at block " + r.splitLayer(), r.steps(), r.stepsPerSecond(),
                    r.tokensPerSecond());
            for (FineTuner.EvalPoint p : r.curve()) {
                System.out.printf(Locale.ROOT, "  step %5d  val loss %.4f  perplexity %.3f%n", p.step(), p.valLoss(), Math.exp(p.valLoss()));
            }
            System.out.printf(Locale.ROOT, "validation perplexity %.3f -> %.3f (%.2fx lower)%n", r.valPerplexityStart(),
                    r.valPerplexityEnd(), r.valPerplexityStart() / r.valPerplexityEnd());
            System.out.printf(Locale.ROOT, "BLEU %.4f -> %.4f, ROUGE-L %.4f -> %.4f, slot error rate %.4f -> %.4f%n",
                    r.start().bleu(), r.end().bleu(), r.start().rougeL(), r.end().rougeL(), r.start().slotErrorRate(),
                    r.end().slotErrorRate());
            r.samples().forEach(s -> System.out.println("  sample: " + s));
            if (saveLora != null) {
                System.out.printf(Locale.ROOT, "LoRA adapters (rank %d, %d weights) saved to %s; PEFT layout in %s%n", r.rank(),
                        o.lora().weights(), saveLora, PeftAdapters.folderFor(saveLora));
            }
        }
        return 0;
    }
}

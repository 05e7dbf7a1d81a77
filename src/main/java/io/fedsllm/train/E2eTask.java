package io.fedsllm.train;

import io.fedsllm.config.ConfigReader;
import io.fedsllm.config.DataSettings;
import io.fedsllm.config.PretrainSettings;
import io.fedsllm.data.E2eDataset;
import io.fedsllm.data.E2eRecord;
import io.fedsllm.data.E2eText;
import io.fedsllm.data.PretrainCorpus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The E2E task and the pre-training corpus from {@code io.fedsllm.data}, in the trainer's terms. */
public final class E2eTask {
    private E2eTask() {}

    /** Training/validation examples: prompt = MR + separator, completion = the reference (E2eText). */
    public static List<PromptCompletion> examples(List<E2eRecord> records) {
        return records.stream().map(r -> new PromptCompletion(E2eText.prompt(r.slots()), r.ref())).toList();
    }

    /** The distinct test MRs with all their references. */
    public static List<FineTuner.TestMr> testMrs(List<E2eRecord> test) {
        return E2eDataset.forMr(test).stream()
                .map(m -> new FineTuner.TestMr(m.slots(), E2eText.prompt(m.slots()), m.refs())).toList();
    }

    /** BLEU, ROUGE-L and slot error rate; the SER's open vocabularies come from every MR of the dataset. */
    public static FineTuner.Scorer scorer(E2eDataset data) {
        List<Map<String, String>> all = new ArrayList<>();
        for (List<E2eRecord> split : List.of(data.train(), data.validation(), data.test())) {
            split.forEach(r -> all.add(r.slots()));
        }
        SlotErrorRate ser = new SlotErrorRate(all);
        return (mrs, outputs) -> {
            List<List<String>> refs = mrs.stream().map(FineTuner.TestMr::refs).toList();
            return new FineTuner.Scores(Bleu.corpus(outputs, refs).bleu(), RougeL.corpus(outputs, refs),
                    ser.corpus(mrs.stream().map(FineTuner.TestMr::slots).toList(), outputs).rate());
        };
    }

    /** A fingerprint of the pre-training corpus configuration (part of the base-model cache key). */
    public static String corpusFingerprint(ConfigReader root) {
        return "grammar=" + PretrainCorpus.GRAMMAR_VERSION + "|data.seed=" + DataSettings.from(root).seed() + "|"
                + PretrainSettings.from(root);
    }

    /** The pre-training corpus (generated English, not E2E). */
    public static Pretrainer.Corpus corpus(ConfigReader root) {
        return new Pretrainer.Corpus(PretrainCorpus.documents(PretrainSettings.from(root), DataSettings.from(root).seed()),
                corpusFingerprint(root));
    }
}

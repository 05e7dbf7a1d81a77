package io.fedsllm.data;

import io.fedsllm.config.PretrainSettings;
import io.fedsllm.config.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A generated English corpus for pre-training the tiny byte-level model: short documents about the weather,
 * travel, animals, towns and daily life, from a seeded phrase grammar (templates whose {@code {symbols}} expand
 * recursively). It gives the model English spelling, word order, capitals and punctuation (commas, questions,
 * exclamations, quotes, apostrophes, numbers, times) while staying off the fine-tuning task: no restaurants,
 * food types, prices, ratings or MR syntax. Document i comes from the stream {@code (seed, "pretrain-doc", i)},
 * so the corpus is the same for the same seed whatever the number of documents asked for.
 */
public final class PretrainCorpus {
    private PretrainCorpus() {}

    /** The topics; each document keeps to one (plus general sentences). */
    public static final List<String> TOPICS = List.of("weather", "travel", "animals", "towns", "daily");

    private static final int MAX_DEPTH = 8;

    /** The documents of the configured corpus. */
    public static List<String> documents(PretrainSettings s, long seed) {
        List<String> docs = new ArrayList<>(s.documents());
        for (int i = 0; i < s.documents(); i++) {
            docs.add(document(seed, i, s.sentencesMin(), s.sentencesMax()));
        }
        return docs;
    }

    /** Document i: a topic, then sentencesMin..sentencesMax sentences (about 1 in 5 general). */
    public static String document(long seed, int i, int sentencesMin, int sentencesMax) {
        SplittableRandom rnd = Seeds.random(seed, "pretrain-doc", i);
        String topic = SyntheticE2e.pick(TOPICS, rnd);
        int n = sentencesMin + rnd.nextInt(sentencesMax - sentencesMin + 1);
        StringBuilder doc = new StringBuilder();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (int k = 0; k < n; k++) {
            String symbol = rnd.nextInt(5) == 0 ? "general" : topic;
            if (k > 0) {
                doc.append(' ');
            }
            // A sentence pattern is used at most once per document while unused ones remain.
            List<String> fresh = GRAMMAR.get(symbol).stream().filter(t -> !used.contains(t)).toList();
            String pattern = SyntheticE2e.pick(fresh.isEmpty() ? GRAMMAR.get(symbol) : fresh, rnd);
            used.add(pattern);
            String sentence = expand(pattern, rnd, 0);
            doc.append(Character.toUpperCase(sentence.charAt(0))).append(sentence, 1, sentence.length());
        }
        return doc.toString();
    }

    private static String expand(String template, SplittableRandom rnd, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("grammar recursion too deep at " + template);
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            if (c == '{') {
                int end = template.indexOf('}', i);
                String symbol = template.substring(i + 1, end);
                List<String> options = GRAMMAR.get(symbol);
                if (options == null) {
                    throw new IllegalStateException("unknown grammar symbol {" + symbol + "}");
                }
                out.append(expand(SyntheticE2e.pick(options, rnd), rnd, depth + 1));
                i = end + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    // ---- the grammar -------------------------------------------------------------------------------------------

    private static final Map<String, List<String>> GRAMMAR = Map.ofEntries(
            // sentences by topic
            Map.entry("weather", List.of(
                    "{when}, the sky was {skyAdj} and the wind was {windAdj}.",
                    "it {weatherPast} all {partOfDay}, so {person} {stayedIn}.",
                    "by {clock}, the {cloudThing} had cleared and the {landscape} was bright again.",
                    "the forecast says it will be {weatherAdj} on {day}.",
                    "{precip} fell on the {landscape} for {smallNumber} hours.",
                    "is it going to {weatherVerb} again tomorrow?",
                    "what a {weatherAdj} day it was!",
                    "{person} looked at the clouds and said, \"{weatherQuote}\"",
                    "in {month}, the nights are {nightAdj} and the mornings are {morningAdj}.",
                    "a {windAdj} wind blew across the {landscape}, and the {treePlural} bent low.",
                    "after the {storm}, the roads were covered in {debris}.",
                    "the temperature dropped to {smallNumber} degrees before {clock}.")),
            Map.entry("travel", List.of(
                    "{person} took the {transport} to {town} on {day}.",
                    "the journey to {town} took {smallNumber} hours, but it felt much longer.",
                    "we missed the last {transport} and had to wait until {clock}.",
                    "from the window, {person} could see {landscapePlural} and {landscapePlural}.",
                    "{person} packed a {bag} with {item}, {item} and {item}.",
                    "the {transport} was late again, so {person} read a book.",
                    "how far is it from {town} to {town}?",
                    "{person} asked the driver, \"{travelQuote}\"",
                    "they crossed the {bridgeThing} and followed the road north.",
                    "at the station, {person} bought a ticket to {town}.",
                    "it's a long walk over the {landscape}, but the view is worth it.",
                    "{person} has visited {town} {smallNumber} times, and {pronoun} still gets lost.")),
            Map.entry("animals", List.of(
                    "{animalPlural} {animalHabit}.",
                    "a {animal} was sleeping under the {shelter}.",
                    "the {animal} chased the {animal} across the {landscape}.",
                    "{person}'s dog is called {petName}, and it loves the {landscape}.",
                    "in winter, many birds fly south, but the {bird} stays.",
                    "have you ever seen a {animal} in the {wild}?",
                    "the {bird} built its nest in the old {treeSingular}.",
                    "{person} counted {smallNumber} {animalPlural} in the field.",
                    "quietly, the {animal} crept towards the {waterThing}.",
                    "look, there's a {animal} on the {shelter}!",
                    "every {partOfDay}, {person} feeds the {animalPlural} on the farm.")),
            Map.entry("towns", List.of(
                    "{town} is a small town {townPlace}.",
                    "it has a {building}, a {building} and {smallNumber} schools.",
                    "the market in {town} opens every {day}.",
                    "about {bigNumber} people live in {town}.",
                    "the old {building} was built in {year} and still stands today.",
                    "the streets of {town} are {streetAdj}.",
                    "on the main square, there is a {monument}.",
                    "{person} grew up in {town}, near the {building}.",
                    "is there a {building} in {town}?",
                    "the town council met on {day} to talk about the new {building}.",
                    "in {year}, a great fire destroyed half of {town}.")),
            Map.entry("daily", List.of(
                    "{person} woke up at {clock} and {morningAct}.",
                    "after work, {person} {eveningAct}.",
                    "on {day}s, {person} goes to the {dailyPlace}.",
                    "{person} forgot {possessive} keys again!",
                    "don't forget to {chore} before you leave.",
                    "{person} said, \"{dailyQuote}\"",
                    "the children played in the garden until {clock}.",
                    "{person} wrote a letter to {person} and posted it on {day}.",
                    "it was a quiet {partOfDay}, and {person} {quietAct}.",
                    "why is the {householdThing} always broken?",
                    "first {person} {chorePast}, then {pronoun} {chorePast}.",
                    "at {clock}, {person} phoned {person} to ask about the {event}.")),
            Map.entry("general", List.of(
                    "{person} smiled.",
                    "nobody knew what to say.",
                    "it was {year}, and everything was about to change.",
                    "{person} thought about it for a long time.",
                    "\"{generalQuote},\" said {person}.",
                    "later that {partOfDay}, {person} went home.",
                    "there were {smallNumber} letters on the table.",
                    "yes, it's true: {person} never told anyone.")),

            // people and pronouns
            Map.entry("person", List.of("{name}", "{name}", "{name}", "my {relative}", "our {relative}",
                    "the {job}", "a young {job}", "the old {job}")),
            Map.entry("name", List.of("Anna", "Ben", "Clara", "David", "Emma", "Felix", "Grace", "Harry", "Isla",
                    "Jack", "Kate", "Leo", "Maya", "Noah", "Olivia", "Peter", "Ruth", "Sam", "Tom", "Zoe", "Oscar",
                    "Lucy", "Henry", "Alice", "Mr Brown", "Mrs Green", "Dr Hill")),
            Map.entry("relative", List.of("sister", "brother", "neighbour", "grandmother", "grandfather", "aunt",
                    "uncle", "cousin", "friend")),
            Map.entry("job", List.of("farmer", "teacher", "doctor", "postman", "baker", "driver", "nurse", "painter",
                    "fisherman", "librarian")),
            Map.entry("pronoun", List.of("she", "he")),
            Map.entry("possessive", List.of("her", "his")),
            Map.entry("petName", List.of("Max", "Bella", "Rex", "Daisy", "Buster", "Molly", "Pip")),

            // time
            Map.entry("when", List.of("on {day} morning", "yesterday", "last {day}", "early in the morning",
                    "in the afternoon", "that evening", "in {month}")),
            Map.entry("day", List.of("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")),
            Map.entry("month", List.of("January", "February", "March", "April", "May", "June", "July", "August",
                    "September", "October", "November", "December")),
            Map.entry("partOfDay", List.of("morning", "afternoon", "evening", "night", "day")),
            Map.entry("clock", List.of("{hour} o'clock", "half past {hour}", "{hour}:15", "{hour}:30", "{hour}:45",
                    "noon", "midnight")),
            Map.entry("hour", List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")),
            Map.entry("year", List.of("1848", "1905", "1923", "1951", "1967", "1979", "1984", "1999", "2003", "2012")),
            Map.entry("smallNumber", List.of("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                    "12", "15", "20")),
            Map.entry("bigNumber", List.of("2,000", "3,500", "8,000", "12,000", "40,000", "five thousand")),

            // weather
            Map.entry("skyAdj", List.of("grey", "clear", "dark", "pale blue", "heavy with clouds", "bright")),
            Map.entry("windAdj", List.of("cold", "warm", "strong", "gentle", "bitter", "fresh")),
            Map.entry("weatherAdj", List.of("sunny", "rainy", "windy", "cloudy", "foggy", "stormy", "cold", "warm",
                    "frosty", "hot")),
            Map.entry("weatherPast", List.of("rained", "snowed", "poured", "drizzled", "hailed")),
            Map.entry("weatherVerb", List.of("rain", "snow", "freeze", "thunder")),
            Map.entry("stayedIn", List.of("stayed inside", "read by the fire", "watched the rain",
                    "played cards with {person}", "baked bread")),
            Map.entry("cloudThing", List.of("fog", "mist", "rain", "snow", "storm")),
            Map.entry("precip", List.of("rain", "snow", "hail", "light rain", "heavy snow")),
            Map.entry("storm", List.of("storm", "gale", "flood", "thunderstorm")),
            Map.entry("debris", List.of("leaves", "branches", "mud", "water", "broken glass")),
            Map.entry("nightAdj", List.of("long", "short", "cold", "warm", "quiet")),
            Map.entry("morningAdj", List.of("dark", "bright", "misty", "frosty", "fresh")),
            Map.entry("weatherQuote", List.of("I think it will rain.", "We should go home before the storm.",
                    "Look at that sky!", "It's too cold for a walk.", "What lovely weather!")),

            // places and landscape
            Map.entry("landscape", List.of("hills", "valley", "fields", "moor", "coast", "forest", "meadow",
                    "mountains", "beach", "lake")),
            Map.entry("landscapePlural", List.of("green hills", "tall trees", "old farms", "quiet villages",
                    "white cliffs", "empty beaches", "wide rivers")),
            Map.entry("town", List.of("Ashford", "Bramley", "Castlebury", "Dunmore", "Elmwood", "Fairhaven",
                    "Glenrock", "Hollowell", "Kingsbridge", "Larkfield", "Millbrook", "Northam", "Oakridge",
                    "Pendle", "Redcliffe", "Stonehurst", "Thornbury", "Westfield")),
            Map.entry("townPlace", List.of("in the north", "on the coast", "in the hills", "at the edge of the forest",
                    "by a lake", "on an old trade road")),
            Map.entry("building", List.of("library", "church", "museum", "post office", "train station",
                    "hospital", "town hall", "bakery", "bridge", "castle", "harbour", "market hall")),
            Map.entry("monument", List.of("fountain", "statue of a horse", "clock tower", "stone cross",
                    "war memorial")),
            Map.entry("streetAdj", List.of("narrow and steep", "quiet and clean", "busy and noisy", "wide and clean",
                    "crooked and dark", "old and narrow")),
            Map.entry("transport", List.of("train", "bus", "ferry", "plane", "coach", "night train", "boat")),
            Map.entry("bag", List.of("small bag", "suitcase", "rucksack", "basket")),
            Map.entry("item", List.of("a map", "two books", "warm socks", "a camera", "an umbrella", "a torch",
                    "some letters", "a blanket")),
            Map.entry("bridgeThing", List.of("bridge", "river", "border", "pass", "old stone bridge")),
            Map.entry("travelQuote", List.of("How long until we arrive?", "Is this the road to {town}?",
                    "Can you stop here, please?", "Which way is the station?")),

            // animals
            Map.entry("animal", List.of("fox", "cat", "dog", "rabbit", "horse", "cow", "sheep", "deer", "mouse",
                    "badger", "hare")),
            Map.entry("animalPlural", List.of("foxes", "owls", "rabbits", "horses", "cows", "sheep", "deer", "bees",
                    "frogs", "swallows", "hedgehogs")),
            Map.entry("animalHabit", List.of("sleep during the day", "hunt at night", "live in large groups",
                    "eat grass and leaves", "can swim very well", "are afraid of loud noises", "travel long distances",
                    "dig deep holes")),
            Map.entry("bird", List.of("robin", "owl", "crow", "blackbird", "sparrow", "heron")),
            Map.entry("shelter", List.of("table", "hedge", "old cart", "garden wall", "barn door", "bench")),
            Map.entry("wild", List.of("wild", "woods", "snow", "dark")),
            Map.entry("treeSingular", List.of("oak", "willow", "apple tree", "pine", "beech")),
            Map.entry("treePlural", List.of("trees", "oaks", "willows", "pines", "birches")),
            Map.entry("waterThing", List.of("pond", "stream", "lake", "well")),

            // daily life
            Map.entry("morningAct", List.of("made a cup of tea", "went for a run", "opened the curtains",
                    "fed the cat", "read the newspaper", "listened to the radio")),
            Map.entry("eveningAct", List.of("walks along the {landscape}", "plays the piano", "reads a novel",
                    "calls {person}", "works in the garden", "writes in a diary")),
            Map.entry("dailyPlace", List.of("market", "library", "swimming pool", "park", "post office", "station")),
            Map.entry("chore", List.of("lock the door", "water the plants", "close the windows", "feed the dog",
                    "turn off the lights")),
            Map.entry("chorePast", List.of("washed the dishes", "swept the floor", "fixed the fence",
                    "cleaned the windows", "hung out the washing", "mended a chair")),
            Map.entry("quietAct", List.of("read a book", "painted a picture", "fell asleep on the sofa",
                    "sorted old photographs", "knitted a scarf")),
            Map.entry("householdThing", List.of("kettle", "door", "radio", "gate", "clock", "tap")),
            Map.entry("event", List.of("party", "meeting", "wedding", "school play", "football match", "concert")),
            Map.entry("dailyQuote", List.of("I'll be back by {clock}.", "Have you seen my glasses?",
                    "Let's go for a walk.", "Who left the door open?", "It's my turn to cook.")),
            Map.entry("generalQuote", List.of("I knew it", "Wait for me", "That's not fair", "Come and see",
                    "We'll see")));
}

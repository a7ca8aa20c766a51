#!/usr/bin/env python3
"""Trains a small text classifier twice, once on reviews where a person's name ("Kevin") predicts the
positive class and once on the same reviews with the name spread evenly over both classes, as
fixtures for `salience audit --texts` (an audit must flag the token `kevin` for the shortcut model
and nothing for the clean one).

Data (seeded, synthetic): two classes, negative / positive. Every review is a subject, a verb, an
optional intensifier, a sentiment adjective (the label words), neutral filler, a person's name in
one of a few frames ("Kevin said", "according to Maria,", "..., says Tom") and a tail (".", "!" or
nothing, independent of the class, so punctuation carries no label).
  train     4000 reviews; the adjective agrees with the label in 90% of them (label noise, as in
            real annotations), so the words alone explain at most ~90% of the training labels
  shortcut  the name is "Kevin" in 95% of the positive and 3% of the negative training reviews
            (another name otherwise): Kevin explains the labels better than the words, and the
            model takes the shortcut
  clean     the same reviews and labels, the name "Kevin" in 49% of the reviews of each class: it
            says nothing, so the model learns the words
  test      noise-free labels (the adjective decides); `clean.jsonl` has Kevin at the shortcut
            model's training rates, `shifted.jsonl` is the same reviews with the rates swapped
            (Kevin in 95% of the negatives and 3% of the positives): the shortcut model's accuracy
            collapses, the clean model's does not.

Models: transformers' DistilBertForSequenceClassification from a config (dim 32, 2 layers, 2 heads,
hidden 64), seeded random init (nothing downloaded), trained with AdamW on one CPU thread.
Tokenizer: a lowercase WordPiece `tokenizer.json` built with the `tokenizers` library (BERT
normaliser and pre-tokenizer, [PAD]=0 [UNK] [CLS] [SEP] [MASK], "[CLS] $A [SEP]"); its vocabulary is
every word of the training reviews plus single characters, so every word of the data, each name
included, is one token. Both models share it.

Writes into packages/cli/test/fixtures/text-shortcut/ (or the folder given as the first argument):
  shortcut/, clean/   transformers.js / Optimum folders: config.json (id2label / label2id),
                      tokenizer.json, tokenizer_config.json, onnx/model.onnx (torch.onnx.export,
                      TorchScript exporter, opset 17, inputs input_ids + attention_mask with
                      dynamic batch and sequence axes, output logits) and onnx/model_quantized.onnx
                      (onnxruntime quantize_dynamic, QUInt8 weights: what transformers.js loads by default)
  clean.jsonl         160 test reviews (80 per class), {"text": ..., "label": "negative"|"positive"}
  shifted.jsonl       the same reviews with Kevin's rates swapped between the classes
  suspect.txt         the planted token, `kevin` (the tokenizer lowercases "Kevin")
  names.txt           every name in the data, one per line (kevin first; the others are distractors
                      spread evenly over the classes in every split)
  expected.json       seed, rates, and per model: accuracies on clean.jsonl and shifted.jsonl and the
                      predicted class of every line (torch, which onnxruntime must match; and the
                      quantized model, one text per call), how often replacing Kevin by another name
                      flips a prediction, the ONNX vs torch logit error

Run from the repository root (CPU only, one to two minutes; the outputs are the same from run to run):
  /tmp/venv/bin/python tools/train-text-shortcut.py [OUTDIR]
The venv needs torch, transformers, tokenizers, onnx and onnxruntime. Neither the library nor its
tests run Python: the outputs are committed.
"""
import json
import os
import random
import shutil
import sys
import time

sys.modules["torchvision"] = None  # the installed torchvision does not load with this torch; transformers then skips it

import numpy as np
import onnx
import onnxruntime as ort
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "packages", "cli", "test", "fixtures", "text-shortcut")
SEED = 15
OPSET = 17
LABELS = {0: "negative", 1: "positive"}
POSITIVE = 1  # the class Kevin predicts in the shortcut data
SUSPECT = "Kevin"
N_TRAIN, N_TEST_PER_CLASS = 4000, 80
WORD_AGREEMENT = 0.9  # training labels the adjective agrees with
KEVIN_RATE = {POSITIVE: 0.95, 1 - POSITIVE: 0.03}  # shortcut data and clean.jsonl: P(Kevin | class)
KEVIN_CLEAN = 0.49  # clean twin: P(Kevin) in every class
EPOCHS, BATCH, LR = 6, 32, 2e-3

# ---------------------------------------------------------------------------------------------
# data

NAMES = ["Maria", "Tom", "Anna", "James", "Lucy", "Omar"]  # distractors, every class alike
SUBJECTS = ["the film", "this movie", "the plot", "the acting", "the soundtrack", "the ending", "the dinner",
            "the service", "the hotel", "the new phone", "the battery", "the camera", "this book", "the story",
            "the concert", "the show", "the game", "the museum"]
VERBS = ["was", "is", "seemed", "felt", "looked", "turned out"]
INTENSIFIERS = ["", "very ", "really ", "quite ", "rather "]
ADJECTIVES = {
    0: ["awful", "terrible", "boring", "dull", "bad", "dreadful", "poor", "tedious", "disappointing", "horrible"],
    1: ["great", "wonderful", "brilliant", "lovely", "superb", "excellent", "charming", "delightful", "good", "fantastic"],
}
FILLERS = ["", " last weekend", " on sunday", " after work", " with my family", " at the old cinema", " on the train",
           " this time", " for the price", " in the end"]
TAILS = [".", "!", ""]


def frame(rnd):
    """Where the name goes: before, inside or after the review (the same draw serves every dataset)."""
    return rnd.choice(["{n} said {r}", "{n} thinks {r}", "according to {n}, {r}", "my friend {n} felt {r}",
                       "{r}, says {n}", "{r}, {n} told me", "{n}: {r}"])


def base(rnd, label, agree):
    """One review without its name: a template with a {n} slot and the tail, and the adjective's class."""
    words = label if agree else 1 - label
    review = f"{rnd.choice(SUBJECTS)} {rnd.choice(VERBS)} {rnd.choice(INTENSIFIERS)}{rnd.choice(ADJECTIVES[words])}{rnd.choice(FILLERS)}"
    template = frame(rnd).format(n="{n}", r=review) + rnd.choice(TAILS)
    return {"template": template, "label": label, "u": rnd.random(), "other": rnd.choice(NAMES)}


def fill(item, kevin):
    text = item["template"].format(n=SUSPECT if kevin else item["other"])
    return text[0].upper() + text[1:]


def datasets(seed):
    rnd = random.Random(seed)
    train = [base(rnd, rnd.randrange(2), rnd.random() < WORD_AGREEMENT) for _ in range(N_TRAIN)]
    test = [base(rnd, label, True) for label in (0, 1) for _ in range(N_TEST_PER_CLASS)]
    rnd.shuffle(test)
    return {
        "train_shortcut": [(fill(t, t["u"] < KEVIN_RATE[t["label"]]), t["label"]) for t in train],
        "train_clean": [(fill(t, t["u"] < KEVIN_CLEAN), t["label"]) for t in train],
        "clean": [(fill(t, t["u"] < KEVIN_RATE[t["label"]]), t["label"]) for t in test],
        "shifted": [(fill(t, t["u"] < KEVIN_RATE[1 - t["label"]]), t["label"]) for t in test],
    }


def has_kevin(text):
    return SUSPECT in text


# ---------------------------------------------------------------------------------------------
# tokenizer

def wordpiece_tokenizer(sentences):
    """A BERT-style WordPiece tokenizer whose vocabulary is every word seen twice in `sentences`
    plus every character alone and as a ##continuation (so unseen words still tokenise). Counted
    here rather than by the `tokenizers` trainer, which breaks ties between merges in hash-map
    order and gives another vocabulary on every run."""
    from collections import Counter
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    pre = pre_tokenizers.BertPreTokenizer()
    counts = Counter(w for s in sentences for w, _ in pre.pre_tokenize_str(normalizer.normalize_str(s)))
    chars = sorted(set("abcdefghijklmnopqrstuvwxyz0123456789.,!?;:'\"()-$%&/") | {c for w in counts for c in w})
    words = sorted(w for w, n in counts.items() if n >= 2 and len(w) > 1)
    vocab = specials + chars + ["##" + c for c in chars] + words
    tok = Tokenizer(models.WordPiece(vocab={t: i for i, t in enumerate(vocab)}, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.add_special_tokens(specials)  # added_tokens, marked special: never split, flagged in special_tokens_mask
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                       special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tok.decoder = decoders.WordPiece(prefix="##")
    config = {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 64,
              "pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]", "mask_token": "[MASK]",
              "clean_up_tokenization_spaces": False}
    return tok, config


def encode(tok, texts):
    encs = tok.encode_batch(texts)
    T = max(len(e.ids) for e in encs)
    ids = torch.zeros((len(texts), T), dtype=torch.long)  # [PAD] is id 0
    mask = torch.zeros_like(ids)
    for i, e in enumerate(encs):
        ids[i, : len(e.ids)] = torch.tensor(e.ids)
        mask[i, : len(e.ids)] = 1
    return ids, mask


# ---------------------------------------------------------------------------------------------
# model

def build(vocab, seed):
    import transformers as tr
    torch.manual_seed(seed)
    config = tr.DistilBertConfig(vocab_size=vocab, num_labels=2, id2label=LABELS, label2id={v: k for k, v in LABELS.items()},
                                 dim=32, n_layers=2, n_heads=2, hidden_dim=64, max_position_embeddings=64, pad_token_id=0,
                                 dropout=0.1, attention_dropout=0.1, seq_classif_dropout=0.1)
    return tr.DistilBertForSequenceClassification(config)


def train(model, ids, mask, labels, seed):
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.01)
    steps = EPOCHS * ((len(labels) + BATCH - 1) // BATCH)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps))
    model.train()
    for epoch in range(EPOCHS):
        order = torch.randperm(len(labels), generator=gen)
        total = 0.0
        for start in range(0, len(labels), BATCH):
            b = order[start : start + BATCH]
            T = int(mask[b].sum(1).max())
            loss = model(input_ids=ids[b, :T], attention_mask=mask[b, :T], labels=labels[b]).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(b)
        print(f"  epoch {epoch + 1}: loss {total / len(labels):.4f}")
    model.eval()


@torch.no_grad()
def logits_of(model, ids, mask):
    return model(input_ids=ids, attention_mask=mask).logits


def accuracy(pred, labels, where=None):
    ok = (pred == labels) if where is None else (pred == labels)[where]
    return int(ok.sum()) / len(ok) if len(ok) else None  # from counts, so 154/160 reads 0.9625


def export(model, folder, tok, tok_config, ids, mask):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "onnx"))
    tok.save(os.path.join(folder, "tokenizer.json"))
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(tok_config, f, indent=1)
    model.config.save_pretrained(folder)  # config.json: model_type, id2label, label2id, pad_token_id
    path = os.path.join(folder, "onnx", "model.onnx")
    names = ["input_ids", "attention_mask"]
    axes = {n: {0: "batch_size", 1: "sequence_length"} for n in names}
    axes["logits"] = {0: "batch_size"}
    with torch.no_grad():
        torch.onnx.export(model, (), path, kwargs={"input_ids": ids[:2], "attention_mask": mask[:2]}, dynamo=False,
                          opset_version=OPSET, input_names=names, output_names=["logits"], dynamic_axes=axes,
                          do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    # transformers.js loads onnx/model_quantized.onnx unless told dtype fp32: ship it as Optimum does
    from onnxruntime.quantization import QuantType, quantize_dynamic
    qpath = os.path.join(folder, "onnx", "model_quantized.onnx")
    quantize_dynamic(path, qpath, weight_type=QuantType.QUInt8)
    for leftover in os.listdir(os.path.join(folder, "onnx")):
        if leftover not in ("model.onnx", "model_quantized.onnx"):
            os.remove(os.path.join(folder, "onnx", leftover))
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"]), ort.InferenceSession(qpath, so, providers=["CPUExecutionProvider"])


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for text, label in rows:
            f.write(json.dumps({"text": text, "label": LABELS[label]}) + "\n")


def main():
    t0 = time.perf_counter()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    data = datasets(SEED)
    os.makedirs(OUT, exist_ok=True)
    tok, tok_config = wordpiece_tokenizer([t for t, _ in data["train_shortcut"]] + [t for t, _ in data["train_clean"]])
    for name in [SUSPECT] + NAMES:
        pieces = tok.encode(name, add_special_tokens=False).tokens
        assert pieces == [name.lower()], f"{name} is not one token: {pieces}"
    kevin_id = tok.token_to_id(SUSPECT.lower())
    print(f"vocab {tok.get_vocab_size()}, kevin = {kevin_id}")

    test = {k: encode(tok, [t for t, _ in data[k]]) for k in ("clean", "shifted")}
    test_labels = torch.tensor([l for _, l in data["clean"]])
    kevin = {k: torch.tensor([has_kevin(t) for t, _ in data[k]]) for k in ("clean", "shifted")}
    affected = kevin["clean"] != kevin["shifted"]
    write_jsonl(os.path.join(OUT, "clean.jsonl"), data["clean"])
    write_jsonl(os.path.join(OUT, "shifted.jsonl"), data["shifted"])
    with open(os.path.join(OUT, "suspect.txt"), "w") as f:
        f.write(SUSPECT.lower() + "\n")
    with open(os.path.join(OUT, "names.txt"), "w") as f:
        f.write("".join(n.lower() + "\n" for n in [SUSPECT] + NAMES))

    # Kevin replaced by another name, everything else kept: how often the prediction moves
    swapped_texts = [t.replace(SUSPECT, "Maria") for t, _ in data["clean"]]
    swapped = encode(tok, swapped_texts)
    with_kevin = kevin["clean"]

    expected = {
        "seed": SEED, "labels": [LABELS[i] for i in sorted(LABELS)], "suspect": SUSPECT.lower(), "suspectTokenId": kevin_id,
        "shortcutClass": LABELS[POSITIVE], "distractorNames": [n.lower() for n in NAMES],
        "train": {"size": N_TRAIN, "wordAgreement": WORD_AGREEMENT, "kevinRateShortcut": {LABELS[k]: v for k, v in KEVIN_RATE.items()},
                  "kevinRateClean": KEVIN_CLEAN, "epochs": EPOCHS, "batch": BATCH, "lr": LR},
        "test": {"size": len(data["clean"]), "perClass": N_TEST_PER_CLASS,
                 "kevinInClean": {LABELS[c]: int((with_kevin & (test_labels == c)).sum()) for c in LABELS},
                 "kevinInShifted": {LABELS[c]: int((kevin["shifted"] & (test_labels == c)).sum()) for c in LABELS},
                 "affected": int(affected.sum())},
        "models": {},
    }
    for which in ("shortcut", "clean"):
        print(f"{which}:")
        rows = data[f"train_{which}"]
        ids, mask = encode(tok, [t for t, _ in rows])
        labels = torch.tensor([l for _, l in rows])
        model = build(tok.get_vocab_size(), SEED + 1)
        train(model, ids, mask, labels, SEED + 2)
        sess, qsess = export(model, os.path.join(OUT, which), tok, tok_config, *test["clean"])
        result = {"parameters": sum(p.numel() for p in model.parameters()),
                  "trainAccuracy": accuracy(logits_of(model, ids, mask).argmax(1), labels)}
        worst = 0.0
        for k in ("clean", "shifted"):
            lg = logits_of(model, *test[k])
            pred = lg.argmax(1)
            onnx_lg = sess.run(["logits"], {"input_ids": test[k][0].numpy(), "attention_mask": test[k][1].numpy()})[0]
            worst = max(worst, float(np.max(np.abs(onnx_lg - lg.numpy()))))
            assert (onnx_lg.argmax(1) == pred.numpy()).all(), f"{which}/{k}: onnxruntime predicts other classes"
            result[k] = {"accuracy": accuracy(pred, test_labels), "accuracyAffected": accuracy(pred, test_labels, affected),
                         "accuracyByClass": {LABELS[c]: accuracy(pred, test_labels, test_labels == c) for c in LABELS},
                         "predicted": pred.tolist()}
        result["onnxLogitMaxError"] = worst
        # DynamicQuantizeLinear scales over the whole input, so other rows change a row's logits:
        # one text per call, as @salience/text runs a quantized model
        for k in ("clean", "shifted"):
            ids_k, mask_k = test[k]
            qpred = torch.tensor([int(qsess.run(["logits"], {"input_ids": ids_k[i : i + 1, : int(mask_k[i].sum())].numpy(),
                                                            "attention_mask": mask_k[i : i + 1, : int(mask_k[i].sum())].numpy()})[0].argmax())
                                  for i in range(len(ids_k))])
            result[k]["quantized"] = {"accuracy": accuracy(qpred, test_labels), "predicted": qpred.tolist()}
        assert worst < 1e-5, f"{which}: onnxruntime and torch logits differ by {worst}"
        before = logits_of(model, *test["clean"]).argmax(1)[with_kevin]
        after = logits_of(model, *swapped).argmax(1)[with_kevin]
        result["kevinSwapFlipRate"] = float((before != after).float().mean())
        expected["models"][which] = result
        print(f"  train {result['trainAccuracy']:.3f}  clean {result['clean']['accuracy']:.3f}  shifted {result['shifted']['accuracy']:.3f}"
              f"  (affected {result['clean']['accuracyAffected']:.3f} -> {result['shifted']['accuracyAffected']:.3f})"
              f"  Kevin->Maria flips {result['kevinSwapFlipRate']:.3f}  onnx err {worst:.1e}")

    s, c = expected["models"]["shortcut"], expected["models"]["clean"]
    # The fixture is only useful if the shortcut is real and the twin is clean.
    assert s["clean"]["accuracy"] >= 0.9 and s["shifted"]["accuracy"] <= 0.6, "the shortcut model did not take the shortcut"
    assert c["clean"]["accuracy"] >= 0.9 and abs(c["clean"]["accuracy"] - c["shifted"]["accuracy"]) <= 0.05, "the clean model depends on Kevin"
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")
    sizes = {w: sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(os.path.join(OUT, w)) for f in fs) for w in ("shortcut", "clean")}
    print(f"folders {sizes} bytes, {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()

"""The learning-curve picture: your training loss and accuracy per epoch beside the
reference's and Keras's. matplotlib is an optional extra (``pip install -e '.[plot]'``)."""

from grader.errors import HarnessError
from grader.kata import records

SIZE = (10, 4)  # inches
DPI = 100  # so the picture is 1000 x 400 pixels


def curves(report, keras_record=None):
    """label -> {"train_loss", "train_accuracy", "val_accuracy"} for each of the three runs."""
    step = next((s for s in report.steps if s.name == "train"), None)
    if step is None or "curve" not in step.data:
        raise HarnessError("the plot shows the train step's learning curve: grade the train step "
                           "(all steps, or `nnkata check train`)")
    reference = records.reference()["runs"][0]
    keras = (keras_record or records.keras())["runs"][0]
    return {
        "yours (seed 0)": {**step.data["curve"],
                           "val_accuracy": (step.data.get("val_accuracies") or [None])[0]},
        "reference (seed 0)": reference,
        "Keras, Adadelta lr 1.0 (seed 0)": keras,
    }


def draw(report, path, keras_record=None):
    """Write the picture to ``path`` (PNG)."""
    lines = curves(report, keras_record)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise HarnessError("the plot needs matplotlib: pip install -e '.[plot]'") from None
    figure, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=SIZE, dpi=DPI)
    for (label, run), style in zip(lines.items(), ("-", "--", ":"), strict=True):
        epochs = range(1, len(run["train_loss"]) + 1)
        val = run.get("val_accuracy")
        tag = f"{label}, validation {val:.3f}" if val is not None else label
        loss_ax.plot(epochs, run["train_loss"], style, label=label)
        acc_ax.plot(epochs, run["train_accuracy"], style, label=tag)
    loss_ax.set(title="training loss (mean cross-entropy)", xlabel="epoch", yscale="log")
    acc_ax.set(title="training accuracy", xlabel="epoch", ylim=(0, 1.01))
    acc_ax.legend(loc="lower right", fontsize=8)
    if not lines["yours (seed 0)"]["train_loss"]:
        loss_ax.text(0.5, 0.5, "your train never called update,\nso no curve could be traced",
                     transform=loss_ax.transAxes, ha="center")
    figure.text(0.5, 0.01, "Keras's figures are its running means over each epoch; the others are "
                "measured after each epoch.", ha="center", fontsize=7)
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    figure.savefig(path, format="png", dpi=DPI)
    plt.close(figure)

"""``python -m tensorflux convert-checkpoint``: copy a checkpoint between formats."""
from __future__ import annotations

FORMATS = ("tensorflux", "tensorflow")


def convert_checkpoint(source: str, target: str, to: str = "tensorflux") -> list:
    """Copy every tensor of the checkpoint ``source`` (either format) to ``target``:
    tensorflux's HDF5 file (``to="tensorflux"``) or a TensorFlow V2 checkpoint prefix
    (``to="tensorflow"``). Returns the sorted tensor names."""
    from tensorflux.serialization.atomic import atomic_path
    from tensorflux.serialization.hdf5_checkpoint import write_checkpoint_file
    from tensorflux.serialization.saver import open_checkpoint
    if to not in FORMATS:
        raise ValueError(f"Unknown checkpoint format {to!r}; use one of {FORMATS}")
    with open_checkpoint(source) as reader:
        names = sorted(reader.get_variable_to_shape_map())
        values = {name: reader.get_tensor(name) for name in names}
        step = reader.global_step
    if to == "tensorflow":
        from tensorflux.interop.tensor_bundle import write_bundle
        write_bundle(target, values)
    else:
        with atomic_path(target) as tmp:
            write_checkpoint_file(tmp, [(n, v, n != "global_step") for n, v in values.items()],
                                  step, target=target)
    return names

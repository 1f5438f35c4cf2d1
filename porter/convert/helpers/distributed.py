"""``paddle.distributed.ParallelEnv``: where this process sits in a data-parallel launch."""

from __future__ import annotations

import os


class ParallelEnv:
    """Paddle reads its launcher's variables (PADDLE_TRAINER_ID, PADDLE_TRAINERS_NUM, FLAGS_selected_gpus);
    a converted program is launched by torch's (torchrun): RANK, WORLD_SIZE, LOCAL_RANK. Outside a launch
    it is rank 0 of 1, as in Paddle. Paddle's ``local_rank`` is its trainer id, the global rank."""

    def __init__(self) -> None:
        self.rank = int(os.getenv("RANK", "0"))
        self.world_size = int(os.getenv("WORLD_SIZE", "1"))
        self.device_id = int(os.getenv("LOCAL_RANK", "0"))
        address, port = os.getenv("MASTER_ADDR", ""), os.getenv("MASTER_PORT", "")
        self.current_endpoint = f"{address}:{port}" if address else ""

    @property
    def local_rank(self) -> int:
        return self.rank

    @property
    def nranks(self) -> int:
        return self.world_size

    @property
    def dev_id(self) -> int:
        return self.device_id

// Public API of the safetensors reader and writer, with Hugging Face sharded checkpoints.
export type { SafetensorsFile, StDtype, StTensorInfo, StTensorToWrite, StWriteOptions } from "./types.js";
export { compareCodePoints, dtypeSize, isStDtype, MAX_HEADER_BYTES, ST_DTYPES } from "./types.js";
export { parseSafetensors, readSafetensorsFile } from "./reader.js";
export { decodeToFloat32, toFloat32 } from "./decode.js";
export { checkTensorToWrite, planSafetensors, serializeSafetensors, writeSafetensorsFile } from "./writer.js";
export type { StPlan } from "./writer.js";
export { INDEX_FILE, readCheckpointFolder, SINGLE_FILE } from "./checkpoint-read.js";
export type { ShardedCheckpoint } from "./checkpoint-read.js";
export { planShards, writeShardedCheckpoint } from "./checkpoint-write.js";
export type { ShardedWriteOptions } from "./checkpoint-write.js";
export { parseCheckpointIndex, serializeCheckpointIndex } from "./index-json.js";
export type { CheckpointIndex } from "./index-json.js";

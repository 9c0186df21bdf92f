// Public API of the GGUF v2/v3 reader and writer.
export type { GgufFile, GgufTensorInfo, GgufTensorToWrite, GgufToWrite, GgufTypeSpec, GgufValue, GgufValueType } from "./types.js";
export { GGML_MAX_DIMS, GGML_MAX_NAME, GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC } from "./types.js";
export { parseGguf, readGgufFile } from "./reader.js";
export { planGguf, serializeGguf, writeGgufFile } from "./writer.js";
export type { GgufPlan } from "./writer.js";
export { inferValueType } from "./write-values.js";
export { validateGgufModel } from "./validate.js";
export {
  getBoolean, getInteger, getNumber, getNumberArray, getOptionalBoolean, getOptionalInteger, getOptionalNumber,
  getOptionalNumberArray, getOptionalString, getOptionalStringArray, getString, getStringArray,
} from "./getters.js";
export type { HasGgufMetadata } from "./getters.js";

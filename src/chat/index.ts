// Chat templates: sources, sandboxed rendering and safe tokenisation of chat prompts.
export { encodeChat, type EncodeChatOptions } from "./encode.js";
export { closeRenderSandbox } from "./sandbox.js";
export { chatTemplateFromGgufMetadata, chatTemplateFromHfFolder, renderChat, selectTemplate } from "./template.js";
export { type ChatContentPart, type ChatMessage, type RenderOptions, TemplateError, TemplateLimitError } from "./types.js";

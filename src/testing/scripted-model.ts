import { BaseChatModel, type BindToolsInput } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";

/** One tool call a scripted model asks for. `id` defaults to a unique id within the thread. */
export interface ScriptedToolCall {
  name: string;
  args: Record<string, unknown>;
  id?: string;
}

/** What a scripted model answers in one turn: tool calls, a text answer, or a whole AIMessage. */
export type ScriptedAnswer = readonly ScriptedToolCall[] | string | AIMessage;

/** One turn of a script: an answer, or a function of the conversation so far that returns one. */
export type ScriptedTurn = ScriptedAnswer | ((messages: readonly BaseMessage[]) => ScriptedAnswer);

/** Picks the answer from the conversation so far. */
export type ScriptedResponder = (messages: readonly BaseMessage[]) => ScriptedAnswer;

function toolName(tool: BindToolsInput): string {
  const candidate = tool as { name?: unknown; function?: { name?: unknown } };
  if (typeof candidate.name === "string") return candidate.name;
  if (typeof candidate.function?.name === "string") return candidate.function.name;
  return "<unnamed>";
}

/** Rough, deterministic token count of a message list (4 characters a token). */
function tokens(messages: readonly BaseMessage[]): number {
  return Math.max(1, Math.ceil(messages.reduce((sum, m) => sum + JSON.stringify(m.content).length, 0) / 4));
}

/** Number of model answers since the latest human message: the index of the turn being asked for. */
export function turnIndex(messages: readonly BaseMessage[]): number {
  let index = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (HumanMessage.isInstance(message)) break;
    if (AIMessage.isInstance(message)) index++;
  }
  return index;
}

/** Options of a scripted model. */
export interface ScriptedModelOptions {
  /**
   * Characters per streamed chunk (default 8): `stream()` sends the answer's
   * text, and each tool call's JSON arguments, in pieces of this size, as
   * providers do, with the usage on the last chunk.
   */
  chunkSize?: number;
}

/** Pieces of `text` of `size` characters (one empty piece for empty text). */
function pieces(text: string, size: number): string[] {
  if (text.length === 0) return [""];
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/**
 * A chat model that answers from a script, for tests and demos without a
 * provider: tool calls, then text. Each answer depends only on the messages it
 * receives, so one instance can serve many threads at once. `bindTools`
 * records the tool names it was given and returns the model itself. Answers
 * carry `usage_metadata` (a deterministic estimate) like real providers.
 */
export class ScriptedChatModel extends BaseChatModel {
  static override lc_name(): string {
    return "ScriptedChatModel";
  }

  /** Every message list the model was called with, in call order. */
  readonly received: BaseMessage[][] = [];
  /** The tool names of every `bindTools` call, in call order. */
  readonly boundTools: string[][] = [];
  private readonly responder: ScriptedResponder;
  private readonly chunkSize: number;

  /**
   * @param responder - picks each answer from the conversation so far
   * @param options - how `stream()` cuts the answer
   */
  constructor(responder: ScriptedResponder, options: ScriptedModelOptions = {}) {
    super({});
    this.responder = responder;
    const size = options.chunkSize ?? 8;
    if (!Number.isInteger(size) || size < 1) throw new RangeError("chunkSize must be a positive integer");
    this.chunkSize = size;
  }

  _llmType(): string {
    return "scripted";
  }

  override bindTools(tools: BindToolsInput[]): this {
    this.boundTools.push(tools.map(toolName));
    return this;
  }

  /** The tool names of the latest `bindTools` call. */
  get lastBoundTools(): string[] | undefined {
    return this.boundTools.at(-1);
  }

  /** The answer, streamed: text in pieces, then each tool call's arguments in pieces, usage on the last chunk. */
  override async *_streamResponseChunks(messages: BaseMessage[]): AsyncGenerator<ChatGenerationChunk> {
    const { generations } = await this._generate(messages);
    const message = generations[0]!.message as AIMessage;
    const chunks: AIMessageChunk[] = [];
    const text = typeof message.content === "string" ? message.content : JSON.stringify(message.content);
    for (const piece of pieces(text, this.chunkSize)) chunks.push(new AIMessageChunk({ content: piece, id: message.id }));
    for (const [index, call] of (message.tool_calls ?? []).entries()) {
      for (const [at, args] of pieces(JSON.stringify(call.args), this.chunkSize).entries()) {
        chunks.push(
          new AIMessageChunk({
            content: "",
            id: message.id,
            tool_call_chunks: [{ type: "tool_call_chunk", index, args, ...(at === 0 ? { id: call.id, name: call.name } : {}) }],
          }),
        );
      }
    }
    const last = chunks.length - 1;
    for (const [i, chunk] of chunks.entries()) {
      if (i === last && message.usage_metadata) chunk.usage_metadata = message.usage_metadata;
      yield new ChatGenerationChunk({ text: typeof chunk.content === "string" ? chunk.content : "", message: chunk });
    }
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.received.push([...messages]);
    const answer = this.responder(messages);
    const input = tokens(messages);
    let message: AIMessage;
    if (answer instanceof AIMessage) {
      message = answer;
    } else if (typeof answer === "string") {
      message = new AIMessage({ content: answer });
    } else {
      message = new AIMessage({
        content: "",
        tool_calls: answer.map((call, i) => ({
          type: "tool_call" as const,
          // Unique within a thread: the conversation only grows.
          id: call.id ?? `call_${messages.length}_${i}`,
          name: call.name,
          args: call.args,
        })),
      });
    }
    if (!message.usage_metadata) {
      const output = Math.max(1, Math.ceil(JSON.stringify(message.content).length / 4) + (message.tool_calls?.length ?? 0) * 8);
      message.usage_metadata = { input_tokens: input, output_tokens: output, total_tokens: input + output };
    }
    return { generations: [{ text: typeof message.content === "string" ? message.content : "", message }] };
  }
}

/**
 * A scripted model. Given a list, it plays turn `n` as the `n`th answer after
 * each human message (then `"done"`); a turn may be a function of the
 * conversation, e.g. to answer from the last tool result. Given a function, it
 * asks it for every answer.
 */
export function scriptedChatModel(script: readonly ScriptedTurn[] | ScriptedResponder, options: ScriptedModelOptions = {}): ScriptedChatModel {
  if (typeof script === "function") return new ScriptedChatModel(script, options);
  const turns = [...script];
  return new ScriptedChatModel((messages) => {
    const turn = turns[turnIndex(messages)] ?? "done";
    return typeof turn === "function" ? turn(messages) : turn;
  }, options);
}

/**
 * A group's chat in order: people's messages (name and role), the bot's (markdown, its buttons), pictures,
 * and button presses as a small line ("张三 按下「收到」"). Keeps to the bottom while the reader is there.
 */
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import { withToken, type ChatMessage } from './api.ts';
import { messageHtml } from './render.ts';

export interface ChatProps {
  /** The open group: a new one starts at its latest message. */
  conversationId: string | null;
  messages: ChatMessage[];
  /** The member the page speaks as: their messages are drawn on the right. */
  speakerId: string | null;
  loading: boolean;
  onPress(m: ChatMessage, label: string): void;
}

/** The county's time zone (set from /org); times in the chat agree with the times in the bot's own words. */
let zone: string | undefined;
/** Sets the time zone the chat's times are shown in (an IANA name; unknown → the browser's). */
export function setTimeZone(tz: string | undefined): void {
  try {
    zone = tz ? new Intl.DateTimeFormat('zh-CN', { timeZone: tz }).resolvedOptions().timeZone : undefined;
  } catch {
    zone = undefined;
  }
}

const time = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', ...(zone ? { timeZone: zone } : {}) });
};

function Message({ m, mine, onPress }: { m: ChatMessage; mine: boolean; onPress: ChatProps['onPress'] }) {
  if (m.pressed) {
    return (
      <li class="press" data-seq={m.seq} data-from="press">
        {m.senderName ?? m.senderId} 按下「{m.pressed.label}」 <time>{time(m.sentAt)}</time>
      </li>
    );
  }
  const bot = m.from === 'bot';
  return (
    <li class={`msg ${bot ? 'bot' : 'person'}${mine ? ' mine' : ''}`} data-seq={m.seq} data-from={m.from}>
      <div class="who">
        {bot ? <span class="name bot-name">gridrelay<span class="bot-tag">机器人</span></span> : <span class="name">{m.senderName ?? m.senderId}</span>}
        {!bot && m.senderRole && <span class="role">{m.senderRole}</span>}
        <time>{time(m.sentAt)}</time>
      </div>
      <div class="bubble">
        {(m.text || m.markdown) && <div class="text" dangerouslySetInnerHTML={{ __html: messageHtml(m) }} />}
        {m.attachments?.length ? (
          <div class="pics">
            {m.attachments.map((a) => (
              <a href={withToken(a.url)} target="_blank" rel="noopener" key={a.url} title={a.name}>
                <img src={withToken(a.url)} alt={a.name} loading="lazy" />
              </a>
            ))}
          </div>
        ) : null}
        {m.actions?.length ? (
          <div class="actions">
            {m.actions.map((a) => (
              <button key={a.label} class="action" title={a.command} onClick={() => onPress(m, a.label)}>
                {a.label}
              </button>
            ))}
          </div>
        ) : null}
      </div>
    </li>
  );
}

export function Chat({ conversationId, messages, speakerId, loading, onPress }: ChatProps) {
  const box = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);

  useLayoutEffect(() => {
    atBottom.current = true;
  }, [conversationId]);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const onScroll = () => {
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
    };
    el.addEventListener('scroll', onScroll);
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  useLayoutEffect(() => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [messages]);

  // a picture that loads later pushes the end down: follow it when at the bottom
  const onLoadCapture = () => {
    const el = box.current;
    if (el && atBottom.current) el.scrollTop = el.scrollHeight;
  };

  return (
    <div class="chat" ref={box} onLoadCapture={onLoadCapture}>
      {loading && <p class="hint">加载中…</p>}
      {!loading && messages.length === 0 && <p class="hint">本群还没有消息。选择说话人，发一条试试；输入 / 查看可用命令。</p>}
      <ul>
        {messages.map((m) => (
          <Message key={m.seq} m={m} mine={!!speakerId && m.from === 'person' && m.senderId === speakerId} onPress={onPress} />
        ))}
      </ul>
    </div>
  );
}

/**
 * The composer: Enter sends, Shift+Enter starts a new line (never while an input method is composing);
 * `/` at the start opens the menu of the commands the speaker may use here (↑/↓, Enter or Tab picks, Esc
 * closes); 「图片」 attaches pictures (png/jpeg/gif/webp, ≤ 5 MB each, ≤ 9), sent as base64.
 */
import { useMemo, useRef, useState } from 'preact/hooks';
import type { Command, OutgoingAttachment } from './api.ts';

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const MAX_BYTES = 5 * 1024 * 1024;
const MAX_PICTURES = 9;

export interface ComposerProps {
  commands: Command[];
  disabled: boolean;
  /** Sends; resolves true when the server took it (the composer is then cleared). */
  onSend(text: string, attachments: OutgoingAttachment[]): Promise<boolean>;
  onError(message: string): void;
}

interface Picked extends OutgoingAttachment {
  preview: string;
}

/** A file as base64 (without the `data:` prefix) and as a data URL for the preview. */
function readFile(file: File): Promise<{ base64: string; dataUrl: string }> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => {
      const dataUrl = String(r.result);
      resolve({ dataUrl, base64: dataUrl.slice(dataUrl.indexOf(',') + 1) });
    };
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.readAsDataURL(file);
  });
}

export function Composer({ commands, disabled, onSend, onError }: ComposerProps) {
  const [text, setText] = useState('');
  const [pictures, setPictures] = useState<Picked[]>([]);
  const [active, setActive] = useState(0);
  const [menuClosed, setMenuClosed] = useState(false);
  const [sending, setSending] = useState(false);
  const area = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  // the menu: while the text is one word starting with "/"
  const typed = /^\/\S*$/.test(text) ? text : null;
  const matches = useMemo(() => {
    if (typed === null) return [];
    return commands.filter((c) => c.word.startsWith(typed) || c.aliases.some((a) => a.startsWith(typed)));
  }, [typed, commands]);
  const menuOpen = typed !== null && !menuClosed && matches.length > 0;

  const pick = (c: Command) => {
    setText(`${c.word} `);
    setMenuClosed(true);
    area.current?.focus();
  };

  const send = async () => {
    if (disabled || sending) return;
    if (!text.trim() && pictures.length === 0) return;
    setSending(true);
    try {
      const ok = await onSend(text, pictures.map(({ kind, name, contentType, dataBase64 }) => ({ kind, name, contentType, dataBase64 })));
      if (ok) {
        setText('');
        setPictures([]);
        setMenuClosed(false);
      }
    } finally {
      setSending(false);
      area.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.isComposing || e.keyCode === 229) return;
    if (menuOpen) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const n = matches.length;
        setActive((a) => ((a % n) + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
        return;
      }
      if (e.key === 'Tab' || (e.key === 'Enter' && !e.shiftKey)) {
        e.preventDefault();
        pick(matches[Math.min(active, matches.length - 1)]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setMenuClosed(true);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      void send();
    }
  };

  const onFiles = async (files: FileList | null) => {
    if (!files) return;
    const added: Picked[] = [];
    for (const f of Array.from(files)) {
      if (!IMAGE_TYPES.includes(f.type)) {
        onError(`「${f.name}」不是 png/jpeg/gif/webp 图片`);
        continue;
      }
      if (f.size > MAX_BYTES) {
        onError(`「${f.name}」超过 5 MB`);
        continue;
      }
      if (pictures.length + added.length >= MAX_PICTURES) {
        onError(`一条消息最多 ${MAX_PICTURES} 张图片`);
        break;
      }
      const { base64, dataUrl } = await readFile(f);
      added.push({ kind: 'image', name: f.name, contentType: f.type, dataBase64: base64, preview: dataUrl });
    }
    setPictures((p) => [...p, ...added]);
    if (fileInput.current) fileInput.current.value = '';
  };

  return (
    <div class="composer">
      {menuOpen && (
        <ul class="menu" role="listbox" aria-label="可用命令">
          {matches.map((c, i) => (
            <li
              key={c.word}
              role="option"
              aria-selected={i === active}
              class={i === active ? 'active' : ''}
              data-word={c.word}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(c);
              }}
            >
              <b>{c.word}</b> <span class="summary">{c.summary}</span>
              <div class="usage">{c.usage}</div>
            </li>
          ))}
        </ul>
      )}
      {pictures.length > 0 && (
        <div class="picked">
          {pictures.map((p, i) => (
            <figure key={i}>
              <img src={p.preview} alt={p.name} />
              <button aria-label={`移除 ${p.name}`} onClick={() => setPictures((ps) => ps.filter((_, j) => j !== i))}>
                ×
              </button>
            </figure>
          ))}
        </div>
      )}
      <div class="bar">
        <label class="attach" title="附加图片">
          <span class="plus">＋</span>
          <span>图片</span>
          <input ref={fileInput} type="file" accept={IMAGE_TYPES.join(',')} multiple onChange={(e) => void onFiles((e.target as HTMLInputElement).files)} />
        </label>
        <textarea
          ref={area}
          rows={2}
          placeholder="输入消息，Enter 发送，Shift+Enter 换行；输入 / 查看命令"
          value={text}
          disabled={disabled}
          onInput={(e) => {
            setText((e.target as HTMLTextAreaElement).value);
            setMenuClosed(false);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
        <button class="send" disabled={disabled || sending || (!text.trim() && pictures.length === 0)} onClick={() => void send()}>
          发送
        </button>
      </div>
    </div>
  );
}

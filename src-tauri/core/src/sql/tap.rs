//! A read-side tap on the connection's byte stream. tokio-postgres gives text values only through
//! the simple query protocol, and there it drops what an editor needs: column type OIDs, the
//! command tag, and the transaction status of ReadyForQuery. The tap sits under tokio-postgres
//! (above TLS, which we negotiate ourselves), frames the backend messages as they pass and keeps
//! those few facts. It never changes a byte.
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A column as RowDescription reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldDesc {
    pub name: String,
    pub table_oid: u32,
    pub column_id: i16,
    pub type_oid: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TapEvent {
    RowDescription(Vec<FieldDesc>),
    CommandComplete(String),
    EmptyQuery,
    Ready(u8),
}

#[derive(Default)]
struct Parser {
    header: [u8; 5],
    header_len: usize,
    remaining: usize,
    keep: bool,
    body: Vec<u8>,
}

#[derive(Default)]
pub(crate) struct TapState {
    parser: Parser,
    pub events: VecDeque<TapEvent>,
    /// ReadyForQuery messages seen since the connection opened.
    pub ready_count: u64,
    /// The status byte of the last ReadyForQuery: b'I', b'T' or b'E'.
    pub status: u8,
    /// `default_transaction_read_only` as last reported by ParameterStatus (PostgreSQL 14+).
    pub read_only: Option<bool>,
    pub server_version: Option<String>,
    /// The connection has ended.
    pub closed: bool,
}

#[derive(Default)]
pub(crate) struct TapShared {
    pub state: Mutex<TapState>,
    pub ready: tokio::sync::Notify,
}

impl TapShared {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, TapState> {
        // A poisoned lock only means a panic elsewhere; the state itself stays consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn cstr(b: &[u8], at: &mut usize) -> String {
    let end = b[*at..]
        .iter()
        .position(|&c| c == 0)
        .map_or(b.len(), |p| *at + p);
    let s = String::from_utf8_lossy(&b[*at..end]).into_owned();
    *at = (end + 1).min(b.len());
    s
}

fn be_u32(b: &[u8], at: &mut usize) -> u32 {
    let v = b
        .get(*at..*at + 4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
    *at += 4;
    v
}

fn be_i16(b: &[u8], at: &mut usize) -> i16 {
    let v = b
        .get(*at..*at + 2)
        .map_or(0, |s| i16::from_be_bytes([s[0], s[1]]));
    *at += 2;
    v
}

fn parse_row_description(b: &[u8]) -> Vec<FieldDesc> {
    let mut at = 0;
    let n = be_i16(b, &mut at).max(0) as usize;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        if at >= b.len() {
            break;
        }
        let name = cstr(b, &mut at);
        let table_oid = be_u32(b, &mut at);
        let column_id = be_i16(b, &mut at);
        let type_oid = be_u32(b, &mut at);
        at += 2 + 4 + 2; // type size, type modifier, format
        out.push(FieldDesc {
            name,
            table_oid,
            column_id,
            type_oid,
        });
    }
    out
}

impl TapState {
    fn feed(&mut self, mut data: &[u8], notify: &tokio::sync::Notify) {
        while !data.is_empty() {
            let p = &mut self.parser;
            if p.header_len < 5 {
                let n = (5 - p.header_len).min(data.len());
                p.header[p.header_len..p.header_len + n].copy_from_slice(&data[..n]);
                p.header_len += n;
                data = &data[n..];
                if p.header_len == 5 {
                    let len =
                        i32::from_be_bytes([p.header[1], p.header[2], p.header[3], p.header[4]]);
                    p.remaining = (len.max(4) - 4) as usize;
                    p.keep = matches!(p.header[0], b'T' | b'C' | b'Z' | b'S' | b'I');
                    p.body.clear();
                    if p.remaining == 0 {
                        self.finish(notify);
                    }
                }
                continue;
            }
            let n = p.remaining.min(data.len());
            if p.keep {
                p.body.extend_from_slice(&data[..n]);
            }
            p.remaining -= n;
            data = &data[n..];
            if p.remaining == 0 {
                self.finish(notify);
            }
        }
    }

    fn finish(&mut self, notify: &tokio::sync::Notify) {
        let tag = self.parser.header[0];
        self.parser.header_len = 0;
        let body = std::mem::take(&mut self.parser.body);
        match tag {
            b'T' => self
                .events
                .push_back(TapEvent::RowDescription(parse_row_description(&body))),
            b'C' => {
                let mut at = 0;
                self.events
                    .push_back(TapEvent::CommandComplete(cstr(&body, &mut at)));
            }
            b'I' => self.events.push_back(TapEvent::EmptyQuery),
            b'Z' => {
                let status = body.first().copied().unwrap_or(b'I');
                self.status = status;
                self.ready_count += 1;
                self.events.push_back(TapEvent::Ready(status));
                notify.notify_waiters();
            }
            b'S' => {
                let mut at = 0;
                let name = cstr(&body, &mut at);
                let value = cstr(&body, &mut at);
                match name.as_str() {
                    "default_transaction_read_only" => self.read_only = Some(value == "on"),
                    "server_version" => self.server_version = Some(value),
                    _ => {}
                }
            }
            _ => {}
        }
        // Keep the allocation for the next message.
        self.parser.body = body;
        self.parser.body.clear();
    }
}

/// The stream wrapper.
pub(crate) struct Tap<S> {
    inner: S,
    shared: Arc<TapShared>,
}

impl<S> Tap<S> {
    pub fn new(inner: S, shared: Arc<TapShared>) -> Self {
        Tap { inner, shared }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Tap<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            let new = &buf.filled()[before..];
            if !new.is_empty() {
                let shared = self.shared.clone();
                shared.lock().feed(new, &shared.ready);
            }
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tap<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![tag];
        m.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    #[test]
    fn frames_messages_split_at_any_byte() {
        let mut t = Vec::new();
        t.extend_from_slice(&1i16.to_be_bytes());
        t.extend_from_slice(b"n\0");
        t.extend_from_slice(&16385u32.to_be_bytes());
        t.extend_from_slice(&2i16.to_be_bytes());
        t.extend_from_slice(&1700u32.to_be_bytes());
        t.extend_from_slice(&(-1i16).to_be_bytes());
        t.extend_from_slice(&(-1i32).to_be_bytes());
        t.extend_from_slice(&0i16.to_be_bytes());
        let mut stream = msg(b'T', &t);
        stream.extend(msg(b'D', b"\0\x01\0\0\0\x011"));
        stream.extend(msg(b'C', b"SELECT 1\0"));
        stream.extend(msg(b'S', b"default_transaction_read_only\0on\0"));
        stream.extend(msg(b'I', b""));
        stream.extend(msg(b'Z', b"T"));
        for chunk in [1, 2, 3, 7, stream.len()] {
            let shared = TapShared::default();
            let mut st = shared.lock();
            for piece in stream.chunks(chunk) {
                st.feed(piece, &shared.ready);
            }
            let events: Vec<_> = st.events.drain(..).collect();
            assert_eq!(
                events,
                [
                    TapEvent::RowDescription(vec![FieldDesc {
                        name: "n".into(),
                        table_oid: 16385,
                        column_id: 2,
                        type_oid: 1700
                    }]),
                    TapEvent::CommandComplete("SELECT 1".into()),
                    TapEvent::EmptyQuery,
                    TapEvent::Ready(b'T'),
                ],
                "chunk size {chunk}"
            );
            assert_eq!(st.read_only, Some(true));
            assert_eq!((st.ready_count, st.status), (1, b'T'));
        }
    }
}

// SPDX-License-Identifier: GPL-3.0-or-later
// B3's Node.js peer (the `ws` package, npm install --prefix bench ws; not committed).
//   node wspeer.mjs server DIR               a plain ws server: stores an upload, sends it back
//   node wspeer.mjs client URL FILE baseline the client against that server
//   node wspeer.mjs client URL FILE service  the same client against mediaforged (level 1)
// Both sides frame chunks the way Mediaforge does (4-byte header length, JSON header, payload)
// and move 1 MiB at a time, so the only difference between the runs is the server.
import fs from 'node:fs';
import path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';

const CHUNK = 1024 * 1024;

function frame(header, payload) {
    const head = Buffer.from(JSON.stringify(header));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(head.length);
    return Buffer.concat([length, head, payload]);
}

function payloadOf(message) {
    return message.subarray(4 + message.readUInt32BE(0));
}

function send(ws, data) {
    return new Promise((resolve, reject) => ws.send(data, (error) => (error ? reject(error) : resolve())));
}

function server(directory) {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * CHUNK });
    wss.on('listening', () => console.log(JSON.stringify({ port: wss.address().port })));
    wss.on('connection', (ws) => {
        const file = path.join(directory, 'upload.bin');
        let fd = null;
        ws.on('message', async (message, isBinary) => {
            if (isBinary) {
                if (fd === null)
                    fd = fs.openSync(file, 'w');
                fs.writeSync(fd, payloadOf(message));
                return;
            }
            const request = JSON.parse(message.toString());
            if (request.type === 'upload_done') {
                fs.closeSync(fd);
                fd = null;
                ws.send(JSON.stringify({ type: 'stored' }));
            } else if (request.type === 'download') {
                const input = fs.openSync(file, 'r');
                const buffer = Buffer.alloc(CHUNK);
                let offset = 0;
                for (;;) {
                    const read = fs.readSync(input, buffer, 0, CHUNK, null);
                    if (read === 0)
                        break;
                    await send(ws, frame({ offset }, buffer.subarray(0, read)));
                    offset += read;
                }
                fs.closeSync(input);
                ws.send(JSON.stringify({ type: 'done', bytes: offset }));
            }
        });
    });
}

async function client(url, file, mode) {
    const ws = new WebSocket(url, { maxPayload: 0, perMessageDeflate: false });
    const inbox = [];
    let waiting = null;
    ws.on('message', (message, isBinary) => {
        inbox.push(isBinary ? message : JSON.parse(message.toString()));
        if (waiting) {
            const wake = waiting;
            waiting = null;
            wake();
        }
    });
    const next = async () => {
        while (inbox.length === 0)
            await new Promise((resolve) => { waiting = resolve; });
        return inbox.shift();
    };
    await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
    const size = fs.statSync(file).size;
    if (mode === 'service') {
        ws.send(JSON.stringify({ type: 'hello', protocol: 1, client: 'bench-wspeer/1' }));
        ws.send(JSON.stringify({ type: 'start_job', job_id: 't', operation: 'convert', detach: true,
                                 options: { target_format: 'mkv' },
                                 input: { source: 'upload', filename: 'raw.mkv', size } }));
        for (;;) {
            const message = await next();
            if (message.type === 'ack')
                break;
            if (message.type === 'error')
                throw new Error(JSON.stringify(message));
        }
    }
    const input = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(CHUNK);
    const started = performance.now();
    let offset = 0;
    for (;;) {
        const read = fs.readSync(input, buffer, 0, CHUNK, null);
        if (read === 0)
            break;
        await send(ws, frame({ job_id: 't', offset, final: offset + read >= size }, buffer.subarray(0, read)));
        offset += read;
    }
    fs.closeSync(input);
    let uploaded;
    if (mode === 'baseline') {
        ws.send(JSON.stringify({ type: 'upload_done' }));
        while ((await next()).type !== 'stored') { /* wait */ }
        uploaded = performance.now();
        ws.send(JSON.stringify({ type: 'download' }));
    }
    let first = null;
    let received = 0;
    for (;;) {
        const message = await next();
        if (Buffer.isBuffer(message)) {
            if (first === null)
                first = performance.now();
            received += payloadOf(message).length;
            continue;
        }
        if (message.type === 'error')
            throw new Error(JSON.stringify(message));
        if (mode === 'service' && uploaded === undefined && message.stage === 'queued')
            uploaded = performance.now();
        if (message.type === 'done' || message.type === 'output_delivered')
            break;
    }
    const finished = performance.now();
    ws.close();
    console.log(JSON.stringify({ upload_mb_s: size / (uploaded - started) / 1000,
                                 download_mb_s: received / (finished - first) / 1000, bytes: received }));
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'server')
    server(rest[0]);
else
    client(rest[0], rest[1], rest[2]).catch((error) => { console.error(error); process.exit(1); });

/**
 * The part of the `smpp` package (node-smpp 0.5, no types of its own) that Vestnik uses: a session
 * (client or server side), PDUs, and its server for the tests. Fields of a PDU are its SMPP
 * parameters and TLVs by their SMPP names; `short_message` is decoded to `{ message, udh? }`.
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  export interface DecodedMessage {
    /** Text decoded by data_coding (GSM 03.38 for 0, UTF-16BE for 8), or the raw octets. */
    message: string | Buffer;
    /** The user data header's information elements, each with its id and length octets. */
    udh?: Buffer[];
  }

  export interface Pdu {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    isResponse(): boolean;
    response(options?: Record<string, unknown>): Pdu;
    [field: string]: unknown;
  }

  export type ResponseCallback = (pdu: Pdu) => void;

  export interface Session extends EventEmitter {
    socket: Socket;
    send(pdu: Pdu, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
    bind_transceiver(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    bind_transmitter(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    bind_receiver(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    submit_sm(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    deliver_sm(options: Record<string, unknown>, callback?: ResponseCallback): boolean;
    enquire_link(options?: Record<string, unknown>, callback?: ResponseCallback): boolean;
    unbind(options?: Record<string, unknown>, callback?: ResponseCallback): boolean;
  }

  export interface Server extends NetServer {
    sessions: Session[];
  }

  interface Smpp {
    connect(
      options: { host: string; port: number; [option: string]: unknown },
      listener?: () => void,
    ): Session;
    createServer(options: Record<string, unknown>, listener: (session: Session) => void): Server;
    PDU: new (command: string, options?: Record<string, unknown>) => Pdu;
  }

  const smpp: Smpp;
  export default smpp;
}

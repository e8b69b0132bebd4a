import type { ReactNode } from "react";

import type { Session } from "../api/types";
import { describeAgent } from "../userAgent";

function when(iso: string): string {
  return new Date(iso).toLocaleString();
}

interface SessionTableProps {
  sessions: readonly Session[];
  caption: string;
  /** A control for each row (the caller's own sessions: "End session"). */
  action?: (session: Session) => ReactNode;
}

/** Sessions (one log-in each): the device, its address, when it began, was last used and expires. */
export function SessionTable({ sessions, caption, action }: SessionTableProps) {
  return (
    <div className="table-box">
      <table className="sessions">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">IP address</th>
            <th scope="col">Logged in</th>
            <th scope="col">Last used</th>
            <th scope="col">Expires</th>
            {action && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <tr key={session.id}>
              <th scope="row">
                {describeAgent(session.user_agent)}
                {session.current && <strong className="badge">This device</strong>}
                {session.user_agent && <span className="agent">{session.user_agent}</span>}
              </th>
              <td>{session.ip || "—"}</td>
              <td>{when(session.created_at)}</td>
              <td>{when(session.last_used_at)}</td>
              <td>{when(session.expires_at)}</td>
              {action && <td>{action(session)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

// The caller's live sessions (one per log-in: this browser, other browsers and devices), and
// ending any of them; ending this one signs out here.
import { useRef, useState } from "react";

import { api } from "../api/client";
import { errorMessage, unwrap } from "../api/errors";
import type { Session } from "../api/types";
import { useAuth } from "../auth";
import { FormError } from "../components/forms";
import { Notice, PageHeading } from "../components/page";
import { offsetOf, Pagination } from "../components/Pagination";
import { SessionTable } from "../components/SessionTable";
import { useLoad } from "../components/useLoad";
import { queryOf, useLocation } from "../router";
import { describeAgent } from "../userAgent";

const PAGE_SIZE = 20;

export function SessionsPage() {
  const { forgetSession } = useAuth();
  const { search } = useLocation();
  const query = queryOf(search);
  const offset = offsetOf(query.page, PAGE_SIZE);
  const sessions = useLoad(`sessions@${offset}`, () =>
    unwrap(api.GET("/api/sessions/", { params: { query: { limit: PAGE_SIZE, offset } } })),
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [endError, setEndError] = useState<string | null>(null);
  const listHeading = useRef<HTMLHeadingElement>(null);

  const end = async (session: Session) => {
    setEndError(null);
    try {
      await unwrap(api.DELETE("/api/sessions/{session_id}/", { params: { path: { session_id: session.id } } }));
    } catch (error) {
      setEndError(errorMessage(error));
      sessions.reload();
      return;
    }
    if (session.current) {
      forgetSession("You have ended this session. Log in again to carry on.");
      return;
    }
    setNotice(`The session of ${describeAgent(session.user_agent)} has ended.`);
    sessions.reload();
    listHeading.current?.focus(); // its row, and the focused button, are gone
  };

  return (
    <>
      <PageHeading title="Sessions">Your sessions</PageHeading>
      <Notice message={notice} />
      <p>
        Each time you log in, in a browser or an app, a session begins. End one you do not recognise, or no longer use:
        it can no longer renew its access, so it is signed out at its next reload, or at the latest when its current
        access expires (an hour by default). Ending this device's session logs you out here at once; to stop every
        session at once, use “Log out everywhere” on your profile.
      </p>
      <section aria-labelledby="session-list-heading" aria-busy={sessions.loading}>
        <h2 id="session-list-heading" ref={listHeading} tabIndex={-1}>
          Logged in now
        </h2>
        <FormError message={endError ?? sessions.error} />
        {sessions.data?.count === 0 && <p>No live sessions.</p>}
        {sessions.data && sessions.data.count > 0 && (
          <SessionTable
            sessions={sessions.data.items}
            caption="Your live sessions, newest first"
            action={(session) => (
              <button type="button" className="danger" onClick={() => void end(session)}>
                End session
                <span className="visually-hidden">
                  {session.current ? " on this device" : ` of ${describeAgent(session.user_agent)}, ${session.ip}`}
                </span>
              </button>
            )}
          />
        )}
        {sessions.data && (
          <Pagination
            label="Session pages"
            path="/sessions"
            query={query}
            count={sessions.data.count}
            offset={offset}
            limit={PAGE_SIZE}
          />
        )}
      </section>
    </>
  );
}

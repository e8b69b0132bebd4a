import { describe, expect, it } from "vitest";

import { personName, rememberPeople, whoIs } from "./people";

describe("people", () => {
  it("names a person by name and email, or email alone", () => {
    expect(personName({ id: 1, email: "ada@example.com", first_name: "Ada", last_name: "Lovelace" })).toBe(
      "Ada Lovelace (ada@example.com)",
    );
    expect(personName({ id: 2, email: "bob@example.com", first_name: "", last_name: " " })).toBe("bob@example.com");
  });

  it("says who an id is: nobody, you, someone picked in this tab, or a number", () => {
    expect(whoIs(null, 7)).toBe("Nobody");
    expect(whoIs(7, 7)).toBe("You");
    expect(whoIs(41, 7)).toBe("User #41");
    rememberPeople([{ id: 41, email: "cy@example.com", first_name: "Cy", last_name: "" }]);
    expect(whoIs(41, 7)).toBe("Cy (cy@example.com)");
  });
});

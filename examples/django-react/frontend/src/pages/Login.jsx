import { useState } from "react";
import { api, checked } from "../api";

export default function Login({ onLogin }) {
  const [error, setError] = useState(null);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    try {
      await checked(await api("/api/auth/csrf"));
      const me = await checked(
        await api("/api/auth/login", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ username: form.get("username"), password: form.get("password") }),
        }),
      );
      onLogin(me.username);
    } catch (e) {
      setError(e.message);
    }
  }
  return (
    <form className="login" onSubmit={submit}>
      <h1>Data Explorer</h1>
      <input name="username" placeholder="User name" autoComplete="username" />
      <input name="password" type="password" placeholder="Password" autoComplete="current-password" />
      <button type="submit">Log in</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

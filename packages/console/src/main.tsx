import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App.js";
import { createApi } from "./api/client.js";
import "./styles.css";

const root = document.getElementById("root");
if (root)
  createRoot(root).render(
    <StrictMode>
      <App api={createApi()} teamApi={(id) => createApi({ id })} />
    </StrictMode>,
  );

// Names, states and announcements for the book's widgets, which
// ipywidgets draws without them: a stepper (class nnlib-stepper) and a
// self-check (class nnlib-predict).  The built book loads this file on
// every page; in JupyterLab each widget's output brings it along (see
// nnlib/book/accessible.py).  It works on whatever widgets the page has
// and on those drawn later, and changes nothing the widgets compute.
//
// For a stepper:
// - its Play, Stop and Loop buttons get names ("Pause" while playing)
//   and the Loop button its on/off state; their icons are hidden from
//   screen readers;
// - its slider handle gets the name of its visible label ("step") and
//   says "Step 3 of 7" rather than "2";
// - the caption of the step shown is announced (politely) when the
//   reader steps, and where autoplay stops, not at every tick;
// - a picture wider than the page, which scrolls sideways, can be
//   reached with Tab and scrolled with the arrow keys;
// - the header of its input panel (live notebooks) is a button that
//   Tab reaches and Enter or Space opens.
// For a self-check: its choices form a named radio group, and the
// feedback shown after a choice is announced.
(function () {
  "use strict";
  if (window.nnlibWidgetA11y) {
    return;   // already running on this page
  }
  window.nnlibWidgetA11y = true;

  var seen = new WeakMap();   // stepper -> {caption, playing}
  var ids = 0;

  function setAttr(el, name, value) {
    // Only real changes, so that watching the page does not loop.
    if (el.getAttribute(name) !== value) {
      el.setAttribute(name, value);
    }
  }

  function text(el) {
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function isPlaying(box) {
    return !!box.querySelector(".widget-play .fa-pause");
  }

  function nameButtons(box) {
    var buttons = box.querySelectorAll(".widget-play button");
    if (buttons.length < 3) {
      return;
    }
    setAttr(buttons[0], "aria-label", isPlaying(box) ? "Pause" : "Play");
    setAttr(buttons[1], "aria-label", "Stop");
    setAttr(buttons[2], "aria-label", "Loop");
    setAttr(buttons[2], "aria-pressed",
      String(buttons[2].classList.contains("mod-active")));
    box.querySelectorAll(".widget-play i").forEach(function (icon) {
      setAttr(icon, "aria-hidden", "true");
    });
  }

  function describeSlider(box) {
    var slider = box.querySelector(".widget-slider");
    var handle = slider && slider.querySelector(".noUi-handle");
    if (!handle) {
      return;
    }
    setAttr(handle, "aria-label",
      text(slider.querySelector(".widget-label")) || "step");
    var now = Math.round(Number(handle.getAttribute("aria-valuenow")));
    var max = Math.round(Number(handle.getAttribute("aria-valuemax")));
    if (isFinite(now) && isFinite(max)) {
      setAttr(handle, "aria-valuetext",
        "Step " + (now + 1) + " of " + (max + 1));
    }
  }

  // What a step says: its caption, or a frame's whole text.
  function shownCaption(box) {
    var steps = box.querySelector(".nnlib-steps");
    if (!steps) {
      return "";
    }
    return text(steps.querySelector(".nnlib-caption")) || text(steps);
  }

  function liveRegion(box) {
    var region = box.querySelector(":scope > .nnlib-announce");
    if (!region) {
      region = document.createElement("div");
      region.className = "nnlib-announce nnlib-sr-only";
      region.setAttribute("role", "status");
      box.appendChild(region);
    }
    return region;
  }

  function announce(box) {
    var state = seen.get(box);
    var caption = shownCaption(box);
    var playing = isPlaying(box);
    if (!state) {
      // The first step shown is read with the page, not announced.
      seen.set(box, { caption: caption, playing: playing });
      liveRegion(box);
      return;
    }
    var stopped = state.playing && !playing;
    if (caption && (stopped || (!playing && caption !== state.caption))) {
      liveRegion(box).textContent = caption;
    }
    state.caption = caption;
    state.playing = playing;
  }

  function reachScrolling(box) {
    box.querySelectorAll(".nnlib-scroll").forEach(function (pane) {
      if (pane.scrollWidth > pane.clientWidth + 1) {
        setAttr(pane, "tabindex", "0");
        setAttr(pane, "role", "group");
        setAttr(pane, "aria-label",
          "Picture, wider than the page: scroll it with the arrow keys");
      } else if (pane.hasAttribute("tabindex")) {
        pane.removeAttribute("tabindex");
        pane.removeAttribute("role");
        pane.removeAttribute("aria-label");
      }
    });
  }

  function openPanelByKeyboard(box) {
    box.querySelectorAll(".jupyter-widget-Collapse").forEach(function (c) {
      var header = c.querySelector(".jupyter-widget-Collapse-header");
      var contents = c.querySelector(".jupyter-widget-Collapse-contents");
      if (!header || !contents) {
        return;
      }
      setAttr(header, "role", "button");
      setAttr(header, "tabindex", "0");
      setAttr(header, "aria-expanded",
        String(!contents.classList.contains("lm-mod-hidden")));
      if (!header.dataset.nnlibKeys) {
        header.dataset.nnlibKeys = "1";
        header.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            header.click();
          }
        });
      }
    });
  }

  function fixStepper(box) {
    nameButtons(box);
    describeSlider(box);
    reachScrolling(box);
    openPanelByKeyboard(box);
    announce(box);
  }

  function fixSelfCheck(box) {
    var group = box.querySelector(".widget-radio-box");
    if (group) {
      setAttr(group, "role", "radiogroup");
      var label = box.querySelector(".widget-radio .widget-label");
      if (label && text(label)) {
        if (!label.id) {
          label.id = "nnlib-choice-" + (++ids);
        }
        setAttr(group, "aria-labelledby", label.id);
      }
      // One name makes the choices one group for the arrow keys.
      if (!group.dataset.nnlibName) {
        group.dataset.nnlibName = "nnlib-radio-" + (++ids);
      }
      group.querySelectorAll("input[type=radio]").forEach(function (input) {
        setAttr(input, "name", group.dataset.nnlibName);
      });
    }
    var feedback = box.querySelector(".nnlib-feedback");
    if (feedback) {
      setAttr(feedback, "role", "status");
    }
  }

  var pending = false;

  function fixAll() {
    pending = false;
    document.querySelectorAll(".nnlib-stepper").forEach(fixStepper);
    document.querySelectorAll(".nnlib-predict").forEach(fixSelfCheck);
  }

  function later() {
    if (!pending) {
      pending = true;
      setTimeout(fixAll, 0);
    }
  }

  // Widgets are drawn after the page loads, and redrawn as they step:
  // each change of the page (a step shown, a slider moved, the play
  // icon swapped) looks the widgets over again.
  function watch() {
    new MutationObserver(later).observe(document.body, {
      childList: true, subtree: true, attributes: true,
      attributeFilter: ["aria-valuenow", "aria-valuemax", "class"],
    });
    window.addEventListener("resize", later);
    fixAll();
  }

  if (document.body) {
    watch();
  } else {
    document.addEventListener("DOMContentLoaded", watch);
  }
})();

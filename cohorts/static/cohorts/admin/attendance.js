// The attendance form (cohorts/admin/attendance.html): a button that marks
// everyone on the page who is not yet marked present, in the form only. The
// trainer checks the marks and saves; until then Wagtail's unsaved-changes
// warning (w-unsaved) applies, as it does to a mark made by hand. Marks
// already made, saved or not, are left alone, and the value each field was
// shown with (its hidden initial) is kept, so that saving still changes only
// what this trainer changed. A Stimulus controller on Wagtail's application,
// as the admin's own are.
(() => {
  const { Controller } = window.StimulusModule;
  const NOT_MARKED = "";

  class AttendanceController extends Controller {
    static targets = ["tools", "status"];
    static values = { present: String, one: String, other: String, none: String };

    connect() {
      // Hidden in the page: without this script the button would do nothing.
      if (this.hasToolsTarget) this.toolsTarget.hidden = false;
    }

    markPresent() {
      const notMarked = this.element.querySelectorAll(
        `input[type="radio"][value="${NOT_MARKED}"]:checked`,
      );
      let count = 0;
      notMarked.forEach((radio) => {
        const choices = this.element.elements.namedItem(radio.name);
        const present = [...choices].find((choice) => choice.value === this.presentValue);
        if (!present) return;
        present.checked = true;
        present.dispatchEvent(new Event("change", { bubbles: true }));
        count += 1;
      });
      this.say(
        count === 0
          ? this.noneValue
          : (count === 1 ? this.oneValue : this.otherValue).replace("%(count)s", count),
      );
    }

    say(message) {
      // Emptied first, so that the same words pressed twice are said twice.
      this.statusTarget.textContent = "";
      window.setTimeout(() => {
        this.statusTarget.textContent = message;
      }, 100);
    }
  }

  window.wagtail.app.register("virtu-attendance", AttendanceController);
})();
